"""No false alarm: the 20 consecutive real days of the shared archive (2026-07-17 → 08-05), then
the 12 days of the second recorder (pulse_2026-08, a series of its own), built in order through
the tables step, each audited against the day before as a daily run would be, with the default
thresholds. Prints the audit's figures per day, and the largest of each over the days beside
its limit; exits 1 if any real day is held.

    .venv/bin/python scripts/check_audit_days.py [--shared ../shared/openrouter-samples]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from assets.resources import CatalogStorage  # noqa: E402
from assets.tables import BLOCKING, catalog_tables  # noqa: E402
from pipeline.publish.thresholds import Thresholds  # noqa: E402
from pipeline.storage.layout import Layout  # noqa: E402
from tests.support.pulse_day import build_pulse_day  # noqa: E402
from tests.support.recorded_day import build_day  # noqa: E402

# (check, metadata entry, label): the figures printed per day
FIGURES = (
    ("models_volume", "v1_models_change_pct", "v1 models %"),
    ("models_volume", "catalog_rows_change_pct", "catalog %"),
    ("endpoints_volume", "endpoints_change_pct", "endpoints %"),
    ("providers_volume", "providers_change_pct", "providers %"),
    ("endpoint_prices_stable", "price_changed_pct", "price changed %"),
    ("endpoint_prices_stable", "turned_zero_or_null_pct", "endpoint paid→0 %"),
    ("model_prices_stable", "turned_zero_or_null_pct", "model paid→0 %"),
    ("api_fields_kept", "vanished", "fields vanished"),
    ("sources_complete", "frontend_stats_endpoint_answered_pct", "stats answered %"),
    ("endpoint_prices_stable", "implausible_moves", "endpoint ×10 moves"),
    ("endpoint_prices_stable", "largest_move_factor", "endpoint move ×"),
    ("endpoint_prices_stable", "implausible_moves_in_window", "endpoint ×10 moves in window"),
    ("model_prices_stable", "implausible_moves", "model ×10 moves"),
    ("model_prices_stable", "largest_move_factor", "model move ×"),
    ("endpoint_ids_stable", "ids_changed_pct", "ids changed %"),
    ("sources_fresh", "v1_endpoints_repeated_pct", "v1 endpoints repeated %"),
    ("sources_fresh", "frontend_stats_endpoint_repeated_pct", "stats repeated %"),
    ("sources_fresh", "frontend_model_activity_repeated_pct", "activity repeated %"),
    ("sources_agree", "endpoints_disagree_pct", "v1≠frontend endpoints %"),
    ("sources_agree", "models_disagree_pct", "v1≠catalog models %"),
    ("window_volume", "models_window_drop_pct", "models window drop %"),
    ("window_volume", "endpoints_window_drop_pct", "endpoints window drop %"),
    ("keys_kept", "models_rekeyed_pct", "models re-keyed %"),
    ("keys_kept", "endpoints_rekeyed_pct", "endpoints re-keyed %"),
    ("keys_kept", "providers_rekeyed_pct", "providers re-keyed %"),
    ("keys_kept", "models_turnover_pct", "models turnover %"),
    ("keys_kept", "endpoints_turnover_pct", "endpoints turnover %"),
    ("keys_kept", "providers_turnover_pct", "providers turnover %"),
    ("endpoint_flags_plausible", "status_flipped_pct", "status<0 %"),
    ("endpoint_flags_plausible", "deranked_flipped_pct", "deranked %"),
    ("endpoint_flags_plausible", "context_flipped_pct", "context 0/½ %"),
    ("endpoint_flags_plausible", "quantization_flipped_pct", "quantization %"),
    ("endpoint_flags_plausible", "discount_flipped_pct", "discount %"),
    ("endpoint_flags_plausible", "training_policy_flipped_pct", "training %"),
    ("endpoint_flags_plausible", "retains_prompts_policy_flipped_pct", "retention %"),
    ("values_in_range", "quarantined", "quarantined"),
)
# the lowest is the one that matters for these
LOWEST = {"stats answered %"}
DROPS = {label for _, key, label in FIGURES if key.endswith("change_pct")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared/openrouter-samples")
    args = ap.parse_args()
    daily = sorted(Path(args.shared).glob("daily_2026-0*/2026-*"))
    pulse = sorted(
        p
        for p in Path(args.shared).glob("pulse_2026-08/2026-*")
        if (p / "endpoint_stats.json.gz").is_file()
    )
    if not daily:
        print(f"no daily bundles under {args.shared}", file=sys.stderr)
        return 2
    series = [("daily", daily, build_day), ("pulse", pulse, build_pulse_day)]
    days = daily + pulse
    held: list[str] = []
    falls: list[str] = []  # per day, the field whose share fell furthest
    out_of_range: list[str] = []  # per day, the values quarantined (first 20)
    worst: dict[str, float] = {}
    print("date        " + "  ".join(label for _, _, label in FIGURES))
    for name, folders, build in series:
        print(f"-- {name}: {len(folders)} days, each against the day before it")
        with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test() as instance:
            layout = Layout(tmp)
            for folder in folders:
                t0 = time.perf_counter()
                build(folder, layout.raw_dir(dt.date.fromisoformat(folder.name)))
                result = dg.materialize(
                    [catalog_tables],
                    partition_key=folder.name,
                    resources={"storage": CatalogStorage(root=tmp)},
                    instance=instance,
                    raise_on_error=False,
                    run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                )
                found = {e.check_name: e for e in result.get_asset_check_evaluations()}
                cells = []
                for check, key, label in FIGURES:
                    entry = found[check].metadata.get(key) if check in found else None
                    value = None if entry is None else entry.value
                    cells.append(f"{'-' if value is None else value:>{len(label)}}")
                    if isinstance(value, int | float):
                        # drops are what hold a list: keep the most negative change
                        v = -value if key.endswith("change_pct") or label in LOWEST else value
                        worst[label] = max(worst.get(label, float("-inf")), v)
                failed = [n for n, e in found.items() if n in BLOCKING and not e.passed]
                if failed or not result.success:
                    held.append(f"{folder.name}: {', '.join(failed) or 'run failed'}")
                status = "HELD " + ",".join(failed) if failed else "published"
                sample = found["values_in_range"].metadata.get("sample")
                for line in sample.value if sample is not None else ():
                    out_of_range.append(f"{folder.name}: {line}")
                fall = found["api_fields_kept"].metadata.get("largest_fall")
                if fall is not None and fall.value:
                    falls.append(f"{folder.name}: {fall.value}")
                print(
                    f"{folder.name}  "
                    + "  ".join(cells)
                    + f"  {status} ({time.perf_counter() - t0:.1f} s)"
                )
    limits = Thresholds()
    largest = ", ".join(
        f"{label} {'drop ' if label in DROPS else 'lowest ' if label in LOWEST else ''}"
        f"{abs(v) if label in LOWEST else v:g}"
        for label, v in worst.items()
    )
    print(f"\nlargest over the days: {largest}")
    print(
        f"limits: drop {100 * limits.max_drop:g} %, "
        f"price changed {100 * limits.max_price_changes:g} %, "
        f"paid→0 {100 * limits.max_zeroed:g} %, "
        f"a field vanished when ≥ {100 * limits.field_was:g} % → < {100 * limits.field_now:g} %, "
        f"implausible beyond ×{limits.implausible_factor:g} ({limits.max_implausible} hold), "
        f"flags {100 * limits.max_flag_changes:g} % "
        f"(status {100 * limits.max_status_changes:g} %), "
        f"ids {100 * limits.max_id_changes:g} %, "
        f"re-keyed {100 * limits.max_rekeyed:g} %, turnover {100 * limits.max_turnover:g} %, "
        f"repeated {100 * limits.max_repeated:g} %, "
        f"disagreement {100 * limits.max_disagreement:g} % (models "
        f"{100 * limits.max_model_disagreement:g} %), "
        f"coverage {100 * limits.min_coverage:g} %, quarantined {limits.max_quarantined}"
    )
    print("the field that fell furthest, per day:" + "".join(f"\n  {f}" for f in falls))
    print(
        "values out of range (first 20 a day):"
        + ("".join(f"\n  {line}" for line in out_of_range) or " none")
    )
    print(f"{len(days)} days, {len(held)} held" + "".join(f"\n  {h}" for h in held))
    return 1 if held else 0


if __name__ == "__main__":
    sys.exit(main())
