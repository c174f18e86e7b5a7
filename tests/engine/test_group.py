"""Grouped calls (engine/group.py) give each Trainer what its own calls would.

A loaded server trains, measures and probes many sessions' lanes in one vmapped call. Each
member is checked against an identical Trainer run on its own: same minibatches, same
weights, same metrics and the same frame arrays; a change to one member (an edit, a new
setting, new data) must reach the next grouped call although the group's stacked inputs are
reused between calls.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, group


def _configs(n: int, **common: object) -> list[RunConfig]:
    # Same branches (activation, head, optimizer kind, depth, dropout): one group. Everything
    # else differs per lane, as in a classroom where everyone moved a slider.
    return [
        RunConfig(
            seed=i,
            learning_rate=0.01 * (1 + i % 4),
            l2=0.002 * (i % 3),
            l1=0.001 * (i % 2),
            batch_size=(10, 7, 3)[i % 3],
            hidden_layers=((4, 2), (3, 5), (8, 1))[i % 3],
            momentum=0.5 + 0.1 * (i % 3),
            optimizer="momentum",
            **common,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


def _pairs(configs: list[RunConfig]) -> tuple[list[Trainer], list[Trainer]]:
    return [Trainer([c]) for c in configs], [Trainer([c]) for c in configs]


def _assert_same_state(alone: Trainer, grouped: Trainer) -> None:
    for a, b in zip(jax.tree.leaves(alone.state), jax.tree.leaves(grouped.state), strict=True):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=1e-6)
    assert grouped.step[0] == alone.step[0] and grouped.epoch[0] == alone.epoch[0]


@pytest.mark.parametrize("n", [2, 4, 7, 16])
def test_grouped_training_equals_training_each_alone(n: int) -> None:
    alone, grouped = _pairs(_configs(n))
    assert len({group.chunk_key(t, 5) for t in grouped}) == 1
    groups = group.Groups()
    # Different step counts per lane, across the chunk length, then repeated calls (which reuse
    # the group's stacked inputs).
    for steps in ([5 + i for i in range(n)], [1] * n, [40] * n, [3] * n):
        members = group.split(list(zip(grouped, steps, strict=True)), lambda m: 0)
        for members_ in members:
            ts, ns = [t for t, _ in members_], [k for _, k in members_]
            for t, k, losses in zip(ts, ns, groups.advance(ts, ns), strict=True):
                own = alone[grouped.index(t)].advance(k)
                assert losses.shape == own.shape == (1, k)
                np.testing.assert_allclose(losses, own, rtol=2e-5, atol=1e-7)
    for a, g in zip(alone, grouped, strict=True):
        _assert_same_state(a, g)


def test_grouped_measuring_and_probing_equal_each_alone() -> None:
    alone, grouped = _pairs(_configs(5, patience=20, val_ratio=0.2))
    groups = group.Groups()
    for t in (*alone, *grouped):
        t.advance(30)
    for _ in range(2):  # the second call reuses the stacked inputs
        measured = groups.evaluate(grouped, track=True)
        probes = groups.probe(grouped, reduced=True)
        for a, chunk, probe in zip(alone, measured, probes, strict=True):
            own = a.evaluate(track=True)
            for field in ("train_loss", "val_loss", "test_accuracy", "grad_norms", "best_val_step"):
                np.testing.assert_allclose(
                    getattr(chunk, field), getattr(own, field), rtol=1e-5, err_msg=field
                )
            own_arrays = a.probe((0,), reduced=True).arrays(0)
            for name, (array, extra) in probe.arrays(0).items():
                expected, expected_extra = own_arrays[name]
                assert array.shape == expected.shape and array.dtype == expected.dtype, name
                # uint8 grids: one quantisation step apart at most (float rounding at a boundary)
                tolerance = 1.0 if array.dtype == np.uint8 else 1e-5
                np.testing.assert_allclose(
                    array.astype(float), expected.astype(float), atol=tolerance, err_msg=name
                )
                assert extra == pytest.approx(expected_extra)


def test_a_change_to_one_member_reaches_the_next_grouped_call() -> None:
    alone, grouped = _pairs(_configs(4))
    groups = group.Groups()
    for step in range(4):
        if step == 1:  # an edit
            for t in (alone[2], grouped[2]):
                t.set_weight(0, 0, 0, 0, 2.5)
        if step == 2:  # a setting (and, for lane 1, new data)
            for t in (alone[0], grouped[0]):
                t.apply(0, t.configs[0].replace(learning_rate=0.3))
            for t in (alone[1], grouped[1]):
                t.apply(0, t.configs[0].replace(noise=0.4, data_seed=9))
        if step == 3:  # a reset
            for t in (alone[3], grouped[3]):
                t.reset()
        groups.advance(grouped, [3] * 4)
        for t in alone:
            t.advance(3)
    for a, g in zip(alone, grouped, strict=True):
        _assert_same_state(a, g)
        assert a.configs == g.configs


def test_a_diverging_member_leaves_the_others_finite() -> None:
    configs = _configs(4, activation="linear")  # a linear net at rate 10 blows up
    configs[1] = configs[1].replace(learning_rate=10.0)
    trainers = [Trainer([c]) for c in configs]
    losses = group.Groups().advance(trainers, [50] * 4)
    assert not np.isfinite(losses[1]).all() or not trainers[1].finite()[0]
    for i in (0, 2, 3):
        assert np.isfinite(losses[i]).all() and trainers[i].finite()[0]


def test_split_groups_equal_keys_in_compiled_sizes() -> None:
    items = [("a", i) for i in range(37)] + [("b", i) for i in range(3)] + [("c", 0)]
    items += [("x", 0), ("x", 1)]
    groups = group.split(items, lambda item: None if item[0] == "x" else item[0])
    assert sorted(item for g in groups for item in g) == sorted(items)  # each exactly once
    for g in groups:
        assert len({item[0] for item in g}) == 1  # never mixes keys
        assert len(g) == 1 or len(g) <= max(group.SIZES)
    assert sorted(len(g) for g in groups if g[0][0] == "a") == [1, 4, 16, 16]
    assert [len(g) for g in groups if g[0][0] == "b"] == [3]  # padded to 4 when called
    assert [len(g) for g in groups if g[0][0] == "x"] == [1, 1]  # None: alone


def test_keys_separate_what_would_change_a_branch() -> None:
    base = RunConfig()
    key = group.chunk_key(Trainer([base]), 4)
    assert group.chunk_key(Trainer([base.replace(learning_rate=0.3, l2=0.01)]), 4) == key
    for changed in (
        base.replace(activation="relu"),
        base.replace(optimizer="adam"),
        base.replace(hidden_layers=(4,)),
        base.replace(dropout=0.2),
    ):
        assert group.chunk_key(Trainer([changed]), 4) != key
    assert group.chunk_key(Trainer([base.replace(batch_size=40)]), 4) is None  # not compiled
    assert group.chunk_key(Trainer([base]), 100) != key  # a longer chunk
    assert group.chunk_key(Trainer([base, base]), 4) is None  # several lanes: alone
    assert group.probe_key(Trainer([base]), reduced=False) is None
