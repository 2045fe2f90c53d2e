"""Thread limits for small torch workloads (CHGNet on a few atoms, the band-gap ensemble).

Small tensors gain nothing from threads, and on a busy machine threads make them crawl: a 3-atom CHGNet
relaxation takes ≈ 1 s on one torch thread and ≈ 10 s on two when both cores are loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits


@contextmanager
def limited_threads(torch_threads: int = 1) -> Iterator[None]:
    """Run torch on ``torch_threads`` threads and BLAS on one; torch's own setting is restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(torch_threads)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(previous)
