"""The compiled document validators accept and refuse what event-model's own validators do."""

from __future__ import annotations

import jsonschema
import numpy as np
import pytest
from event_model import DocumentNames, compose_run, schema_validators

from lab.history.schemas import CompiledValidator, compile_document_schemas


def _documents() -> dict[DocumentNames, dict]:
    run = compose_run(metadata={"plan_name": "cvd_growth"})
    descriptor = run.compose_descriptor(
        name="primary", data_keys={"t": {"source": "sim", "dtype": "number", "shape": []},
                                   "s": {"source": "sim", "dtype": "array", "shape": [3]}})
    event = descriptor.compose_event(data={"t": 1.5, "s": [1.0, 2.0, 3.0]}, timestamps={"t": 1.0, "s": 1.0},
                                     seq_num=1)
    page = descriptor.compose_event_page(data={"t": [1.0, 2.0], "s": [[1.0] * 3] * 2},
                                         timestamps={"t": [1.0, 2.0], "s": [1.0, 2.0]}, seq_num=[2, 3],
                                         time=[1.0, 2.0])
    return {DocumentNames.start: run.start_doc, DocumentNames.descriptor: descriptor.descriptor_doc,
            DocumentNames.event: event, DocumentNames.event_page: page,
            DocumentNames.stop: run.compose_stop()}


def test_every_document_kind_is_checked_by_a_compiled_validator_that_agrees_with_event_model() -> None:
    originals = dict(schema_validators)
    try:
        compile_document_schemas()
        compile_document_schemas()  # idempotent
        for name, document in _documents().items():
            compiled = schema_validators[name]
            assert isinstance(compiled, CompiledValidator)
            originals[name].validate(document)
            compiled.validate(document)
            broken = {k: v for k, v in document.items() if k != "uid"}
            assert not originals[name].is_valid(broken)
            with pytest.raises(jsonschema.ValidationError, match="uid"):
                compiled.validate(broken)
    finally:
        schema_validators.update(originals)


def test_numpy_values_and_wrong_types_are_judged_as_event_model_judges_them() -> None:
    event = _documents()[DocumentNames.event]
    compiled = CompiledValidator(schema_validators[DocumentNames.event].schema)
    compiled.validate({**event, "data": {"t": np.float64(2.0), "s": np.arange(3.0)}})
    wrong = {**event, "seq_num": "one"}
    assert not schema_validators[DocumentNames.event].is_valid(wrong)
    with pytest.raises(jsonschema.ValidationError):
        compiled.validate(wrong)
