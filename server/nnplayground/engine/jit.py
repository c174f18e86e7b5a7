"""One `jit` for the engine's entry points, with the XLA options they share.

LLVM's backend optimisation level 1 instead of the default roughly halves the compile time of
the training chunk (~4 s → ~2 s under load on the 2-core machine) at no measurable step-time
cost for these small nets: a faster warm-up and first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, cast, overload

import jax

COMPILER_OPTIONS = {"xla_backend_optimization_level": 1}


F = TypeVar("F", bound=Callable[..., Any])


@overload
def engine_jit(fn: F) -> F: ...
@overload
def engine_jit(fn: None = None, **kwargs: Any) -> Callable[[F], F]: ...
def engine_jit(fn: F | None = None, **kwargs: Any) -> F | Callable[[F], F]:
    """`jax.jit` with the engine's compiler options; usable bare or with jit's keywords.

    Typed as returning the function itself: a jitted function takes the same arguments.
    """
    if fn is None:
        return partial(engine_jit, **kwargs)
    return cast(F, jax.jit(fn, compiler_options=COMPILER_OPTIONS, **kwargs))
