"""Every file the CLI reads is refused with exit code 2 and one line when it is not a readable file of its kind:
binary, not UTF-8, empty, huge, a directory, a FIFO or a broken symlink; never a traceback, never a hang."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lab
from simulators.graphene import GrapheneTruth
from tests.lab.history.test_imported import MAP

GRAPHENE_STATION = Path(lab.__file__).parent / "stations" / "graphene-sim.yaml"
CAMPAIGN_TEXT = b"campaign_id: fuzz-1\nexperiments: 3\nseed: 4\napproved: {temperature_c: [1000, 1050]}\n"


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 4)


def _latin1(path: Path) -> None:
    path.write_bytes("name: Fourneau à réaction\n".encode("latin-1"))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _blank(path: Path) -> None:
    path.write_bytes(b"\n  \n\t\n")


def _huge(path: Path) -> None:
    with path.open("wb") as handle:  # 50 MB, sparse: cheap to make, a hang or a memory hog to read whole
        handle.truncate(50 * 1024 * 1024)


def _directory(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)  # nothing ever writes to it: a blocking open or read would hang


def _broken_symlink(path: Path) -> None:
    path.symlink_to(path.parent / "gone.yaml")


HOSTILE: dict[str, tuple[Callable[[Path], None], str]] = {
    "binary": (_binary, "is binary"),
    "latin-1": (_latin1, "is not UTF-8 text (byte 0xe0"),
    "empty": (_empty, "is empty"),
    "blank": (_blank, "is empty"),
    "huge": (_huge, "too big"),
    "directory": (_directory, "is a directory"),
    "fifo": (_fifo, "is not a regular file"),
    "broken symlink": (_broken_symlink, "is a broken symlink"),
}


TEXT_CASES = tuple(HOSTILE)  # settings-like text files: every hostile case
DATA_CASES = ("empty", "directory", "fifo", "broken symlink")  # data files, binary or in any encoding


def _valid(folder: Path) -> dict[str, str]:
    """Valid files written into `folder`: a calibrated world (as `sdlab calibrate` writes) and a column map."""
    world, columns = folder / "world.yaml", folder / "columns.yaml"
    world.write_text(yaml.safe_dump({"material": "graphene", "constants": dataclasses.asdict(GrapheneTruth.draw(3))}))
    columns.write_text(MAP)
    return {"world": str(world), "columns": str(columns)}


def _commands(bad: str, valid: dict[str, str]) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """Each command with a file option or argument, `bad` in it (the other files `valid`, so `bad` alone is
    refused), and the hostile cases that apply to it."""
    return {
        "simulate --config": (["simulate", "--config", bad], TEXT_CASES),
        "simulate --world": (["simulate", "--world", bad], TEXT_CASES),
        "run --config": (["run", "--config", bad, "--campaign", str(GRAPHENE_STATION)], TEXT_CASES),
        "run --campaign": (["run", "--config", str(GRAPHENE_STATION), "--campaign", bad], TEXT_CASES),
        "devices check --config": (["devices", "check", "--config", bad], TEXT_CASES),
        "predict --world": (["predict", str(GRAPHENE_STATION), "--world", bad], TEXT_CASES),
        "predict RECIPES": (["predict", bad, "--world", valid["world"]], TEXT_CASES),
        "import --columns": (["import", str(GRAPHENE_STATION), "--material", "graphene", "--columns", bad],
                             TEXT_CASES),
        "import FILE": (["import", bad, "--material", "graphene", "--columns", valid["columns"]], DATA_CASES),
        "analyze FILE": (["analyze", bad], DATA_CASES),
    }


NO_FILES = {"world": "", "columns": ""}


@pytest.mark.parametrize(("command", "case"), [(command, case) for command, (_, cases)
                                               in _commands("x", NO_FILES).items() for case in cases])
def test_a_hostile_file_is_refused_with_exit_2_and_one_line(case: str, command: str, tmp_path: Path,
                                                           sdlab_cli) -> None:
    make, says = HOSTILE[case]
    path = tmp_path / "files" / "settings.yaml"
    path.parent.mkdir()
    make(path)
    args, _ = _commands(str(path), _valid(tmp_path))[command]
    refused = sdlab_cli(*args, home=tmp_path / "home")
    assert refused.code == 2, refused.err
    assert len(refused.err_lines) == 1, refused.err
    assert refused.err_lines[0].startswith("sdlab: error:") and str(path) in refused.err_lines[0]
    assert says in refused.err_lines[0], refused.err


def _mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    """`valid` with a few bytes replaced, deleted, duplicated or inserted."""
    edit = st.tuples(st.sampled_from(["replace", "delete", "duplicate", "insert"]),
                     st.integers(0, len(valid)), st.integers(1, 12), st.binary(min_size=1, max_size=12))

    def apply(edits: list[tuple[str, int, int, bytes]]) -> bytes:
        data = valid
        for kind, at, length, blob in edits:
            if kind == "replace":
                data = data[:at] + blob + data[at + len(blob):]
            elif kind == "delete":
                data = data[:at] + data[at + length:]
            elif kind == "duplicate":
                data = data[:at] + data[at:at + length] * 2 + data[at + length:]
            else:
                data = data[:at] + blob + data[at:]
        return data

    return st.lists(edit, min_size=1, max_size=4).map(apply)


FUZZED = st.one_of(
    st.tuples(st.just("station"), st.binary(max_size=400)),
    st.tuples(st.just("station"), _mutated(GRAPHENE_STATION.read_bytes())),
    st.tuples(st.just("campaign"), st.binary(max_size=400)),
    st.tuples(st.just("campaign"), _mutated(CAMPAIGN_TEXT)),
)


def fuzz_cli_files(examples: int) -> Callable[..., None]:
    """A test: `examples` random-byte and mutated station and campaign files given to `sdlab run`, each refused with
    exit code 2 and one line (a valid station is refused for having no real instrument, a valid campaign for its
    station being simulated; a valid station is given an invalid campaign, so nothing ever starts)."""

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(case=FUZZED)
    def fuzz(case: tuple[str, bytes], tmp_path: Path, sdlab_cli) -> None:
        kind, data = case
        path = tmp_path / f"{kind}.yaml"
        path.write_bytes(data)
        args = (["run", "--config", str(path), "--campaign", str(GRAPHENE_STATION)] if kind == "station" else
                ["run", "--config", str(GRAPHENE_STATION), "--campaign", str(path)])
        refused = sdlab_cli(*args, home=tmp_path / "home")
        assert refused.code == 2, (data, refused.err)
        assert len(refused.err_lines) == 1 and refused.err_lines[0].startswith("sdlab: error:"), (data, refused.err)

    return fuzz


test_random_and_mutated_files_are_refused_with_exit_2 = fuzz_cli_files(100)
test_a_thousand_random_and_mutated_files_are_refused_with_exit_2 = pytest.mark.e2e(fuzz_cli_files(1000))
