"""Handing freed memory back to the operating system, after a large load or analysis.

A cohort's load and analyses allocate and free arrays of millions of rows.  glibc's ``malloc``
keeps freed blocks below its heap's top for reuse, and Arrow's memory pool keeps its freed pages:
after :func:`trustdata.load` of 10,000 couples that is more memory than the loaded frames
themselves, and the next step, needing blocks of other sizes, grows the heap instead of reusing
it (``benchmarks/bench_pipeline.py`` measures the peak with and without this).  Returning it
takes a few milliseconds; nothing that is still in use is touched.

Examples
--------
>>> release()  # safe to call at any time, on any platform
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import lru_cache

__all__ = ["release"]


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, Windows, musl).

    ``CDLL(None)`` opens the running program, whose symbols include its C library's, so no
    library search (which may start ``ldconfig``) is needed.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release() -> None:
    """Return the memory freed so far to the operating system (Arrow's pool, then glibc's heap)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
