from __future__ import annotations

import pytest

from modiste.errors import ModisteError
from modiste.metrics.specs import MetricSpec, parse_metrics


def test_metric_names_carry_counts():
    specs = parse_metrics("fid50k_full,kid10k,pr2000", default_num=7)
    assert specs == [MetricSpec("fid", 50_000, True), MetricSpec("kid", 10_000, False), MetricSpec("pr", 2000, False)]
    assert parse_metrics(["fid"], default_num=7) == [MetricSpec("fid", 7, False)]
    assert specs[0].num_reals(70_000) == 70_000 and specs[1].num_reals(6_000) == 6_000


def test_each_metric_once():
    with pytest.raises(ModisteError, match="more than once"):
        parse_metrics("fid10k,fid50k")
