"""The JAX engine: datasets, features, a padded multi-lane MLP, losses, optimizers, training, probes.

Pure JAX + NumPy (no FastAPI, pydantic or asyncio). The runtime uses the `Trainer` facade.
"""

from nnplayground.engine import registry
from nnplayground.engine.config import DEFAULT_CAPACITY, Capacity, RunConfig
from nnplayground.engine.probe import Probe
from nnplayground.engine.trainer import ChunkMetrics, Trainer
from nnplayground.engine.warmup import warmup

__all__ = [
    "DEFAULT_CAPACITY",
    "Capacity",
    "ChunkMetrics",
    "Probe",
    "RunConfig",
    "Trainer",
    "registry",
    "warmup",
]
