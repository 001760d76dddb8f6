"""Every output column: name, type and meaning. Used by the transforms (to conform their
output), by Dagster column metadata, and later by the generated data dictionary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from pipeline.sources.shapes import PRICE_COMPONENTS, PRICE_UNITS, TIER_COMPONENTS
from pipeline.transforms.common import PER_MTOK, PER_TOKEN, REQUIRED_PRICES

S, I, F, B = pl.String, pl.Int64, pl.Float64, pl.Boolean
LS = pl.List(pl.String)
TS = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Range:
    """The values a column may hold. The audit's range checks are generated from these: a
    value outside is quarantined (``pipeline/publish/quarantine.py``)."""

    lo: float | None = None
    # a number, or the name of an audit limit (``Thresholds``) that a setting may move
    hi: float | str | None = None
    # something that happened (created, ran, was used) is not after the snapshot's day; a
    # scheduled date (a deprecation) carries no such range
    past: bool = False

    def describe(self) -> str:
        parts = []
        if self.lo is not None:
            parts.append(f"≥ {self.lo:g}")
        if self.hi is not None:
            parts.append(f"≤ {self.hi:g}" if not isinstance(self.hi, str) else f"≤ {self.hi}")
        if self.past:
            parts.append("not after the snapshot date")
        return ", ".join(parts)


COUNT = Range(lo=0)  # counts, token counts, sizes, durations, days: never negative
SHARE = Range(lo=0, hi=1)  # a share of a whole
PERCENT = Range(lo=0, hi=100)  # uptime, as the API states it
PAST = Range(past=True)
TOKEN_PRICE = Range(lo=0, hi="max_usd_per_token")
UNIT_PRICE = Range(lo=0, hi="max_usd_per_unit")
# the price components charged per unit rather than per token
UNIT_PRICED = frozenset(c for c, unit in PRICE_UNITS.items() if "token" not in unit)


def price_range(component: str) -> Range:
    """A price per token, or per unit (a request, an image, a search): the ceilings no real
    price comes near are audit limits. The per-million columns derive from these and carry
    no range of their own (one bad price is one quarantined value, not two)."""
    return UNIT_PRICE if component in UNIT_PRICED else TOKEN_PRICE


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    description: str
    range: Range | None = None  # declared for every typed value that has one


def _prices(scope: str) -> list[Column]:
    cols = []
    for c in PRICE_COMPONENTS:
        cols.append(
            Column(
                f"{c}_usd_per_token",
                PER_TOKEN,
                f"{scope} {c} price in USD per {PRICE_UNITS[c]}, exact from the API string; "
                + (
                    "null when the key is missing (the API requires it: unknown, not free), "
                    if c in REQUIRED_PRICES
                    else "0 when the key is omitted, "
                )
                + "null when variable (or unknown: a model only the frontend catalog lists)",
                range=price_range(c),
            )
        )
        cols.append(
            Column(
                f"{c}_usd_per_mtok",
                PER_MTOK,
                f"{scope} {c} price in USD per million of the same units (per_token × 10^6)",
            )
        )
    cols.append(
        Column(
            "is_variable_price",
            B,
            'true when any price is "-1" (decided per request, e.g. routers)',
        )
    )
    return cols


def _tier_prices(scope: str, kind: str = "tier") -> list[Column]:
    """The prices of an override entry: a context ``tier`` or a time-of-day ``window``."""
    where = "above the threshold" if kind == "tier" else "inside the window"
    return [
        col
        for c in TIER_COMPONENTS
        for col in (
            Column(
                f"{c}_usd_per_token",
                PER_TOKEN,
                f"{scope} {c} price in USD per {PRICE_UNITS[c]} {where}; null when "
                f"the {kind} does not change it (the base price applies)",
                range=price_range(c),
            ),
            Column(f"{c}_usd_per_mtok", PER_MTOK, "the same per million units"),
        )
    ]


THRESHOLD = (
    "the tier applies to requests with MORE than this many prompt tokens (the API's name; "
    "its own labels say '≤200K' for the base price and '>200K' for the tier)"
)


MODELS = [
    Column("model_id", S, "id used for inference: slug plus ':variant' unless standard"),
    Column("slug", S, "model slug without variant"),
    Column("variant", S, "variant after the colon (free, beta, thinking, …) or 'standard'"),
    Column(
        "permaslug",
        S,
        "frontend permanent slug (opaque; keys frontend calls), "
        "canonical_slug when the frontend is missing",
    ),
    Column("canonical_slug", S, "v1 canonical slug (names the base model, drops the variant)"),
    Column("author", S, "author part of the slug"),
    Column("name", S, "display name"),
    Column("description", S, "model description"),
    Column("created_at", TS, "when the model was added to OpenRouter (UTC)", range=PAST),
    Column("context_length", I, "advertised context length in tokens", range=COUNT),
    Column("modality", S, "v1 architecture.modality, e.g. text+image->text"),
    Column("input_modalities", LS, "input modalities"),
    Column("output_modalities", LS, "output modalities"),
    Column("tokenizer", S, "tokenizer family"),
    Column("instruct_type", S, "instruction format; null when none"),
    Column("hugging_face_id", S, "Hugging Face id; null when empty"),
    Column("top_provider_context_length", I, "context length of the top provider", range=COUNT),
    Column(
        "top_provider_max_completion_tokens",
        I,
        "max completion tokens of the top provider",
        range=COUNT,
    ),
    Column("is_moderated", B, "top provider moderates input"),
    Column("supported_parameters", LS, "parameters supported by at least one endpoint"),
    Column("knowledge_cutoff", S, "knowledge cutoff as given"),
    Column("expiration_date", S, "expiration date as given"),
    *_prices("default"),
    Column(
        "per_request_limit_prompt_tokens",
        F,
        "per-request prompt token limit (until mid-2024); null when none or unlimited",
        range=COUNT,
    ),
    Column(
        "per_request_limit_completion_tokens",
        F,
        "per-request completion token limit (until mid-2024); null when none or unlimited",
        range=COUNT,
    ),
    Column("per_request_limit_is_unlimited", B, 'a per-request limit was "Infinity"'),
    Column("is_alias", B, "a '~' alias id that redirects to the latest model of a family"),
    Column(
        "alias_target_slug",
        S,
        "for a '~' alias, the model it currently points to (v1 alias_target.slug)",
    ),
    Column(
        "default_endpoint_id",
        S,
        "UUID of the endpoint the frontend catalog shows by default; null when none",
    ),
    Column("is_hidden", B, "hidden in the frontend catalog; null when not in the catalog"),
    Column("in_v1", B, "listed by /api/v1/models"),
    Column("in_frontend_catalog", B, "listed by the frontend catalog"),
]

ENDPOINTS = [
    Column(
        "endpoint_id",
        S,
        "frontend endpoint UUID when known, else a stable hash of model_id + provider_slug + "
        "provider_tag (and, for a second endpoint under the same tag, its rank); the provider "
        "name stands in for the slug only where no provider record names the provider",
    ),
    Column("endpoint_id_is_uuid", B, "endpoint_id is the frontend UUID"),
    Column("model_id", S, "inference id of the model this endpoint serves"),
    Column("provider_name", S, "provider name"),
    Column(
        "provider_slug",
        S,
        "the provider's slug, from its provider record (frontend provider_info, else the "
        "provider lists by name); null when no record names the provider",
    ),
    Column(
        "provider_tag",
        S,
        "the endpoint's tag (e.g. deepinfra/fp8); the provider slug when the API gave none",
    ),
    Column("name", S, "endpoint display name"),
    Column("quantization", S, "quantization (fp8, bf16, unknown, …)"),
    Column("context_length", I, "context length of this endpoint", range=COUNT),
    Column("max_prompt_tokens", I, "max prompt tokens; null when unlimited", range=COUNT),
    Column("max_completion_tokens", I, "max completion tokens; null when unlimited", range=COUNT),
    Column(
        "max_prompt_images",
        I,
        "max images in one prompt (frontend); null when unlimited",
        range=COUNT,
    ),
    Column("max_tokens_per_image", I, "tokens counted per input image (frontend)", range=COUNT),
    *_prices("endpoint"),
    *[
        Column(
            f"list_{c}_usd_per_mtok",
            PER_MTOK,
            f"{c} list price per million units before the discount: {c}_usd_per_mtok / "
            "(1 − discount); equal to it when there is no discount",
        )
        for c in PRICE_COMPONENTS
    ],
    Column(
        "discount",
        F,
        "fraction already taken off every price of this endpoint (0 = none): the API sends "
        "prices multiplied by (1 − discount); list_* undo it. Negative is a surcharge (a real "
        "day has -0.2), so the range is -1 to 1",
        range=Range(lo=-1, hi=1),
    ),
    Column(
        "price_unit_kind",
        S,
        "how the frontend prices it: 'token' (per token only), 'unit' (per image, second, "
        "minute, request, …: the per-token columns do not apply), 'mixed' (tokens plus unit "
        "prices such as web search); null when the frontend did not say",
    ),
    Column(
        "is_priced_per_token",
        B,
        "prompt and completion prices are known and say what it costs: not priced in other "
        "units, and not 0 / 0 while other prices are not 0 (the usable-endpoint rule)",
    ),
    Column("status", I, "endpoint status code (0 ok; negative = degraded)"),
    Column("is_free", B, "free endpoint (frontend is_free, else whether the id ends in ':free')"),
    Column("is_disabled", B, "disabled (frontend); null when only v1 lists it"),
    Column("is_hidden", B, "hidden (frontend); null when only v1 lists it"),
    Column("is_deranked", B, "deranked by the router (frontend); null when only v1 lists it"),
    Column("deprecation_date", TS, "when the endpoint is to be retired (frontend, UTC)"),
    Column("uptime_last_5m", F, "uptime % over 5 minutes (v1)", range=PERCENT),
    Column("uptime_last_30m", F, "uptime % over 30 minutes (v1)", range=PERCENT),
    Column("uptime_last_1d", F, "uptime % over 1 day (v1)", range=PERCENT),
    *[
        Column(
            f"{metric}_{p}_{unit}",
            F,
            f"{p} {what} over the stats window (v1 {metric}_last_30m, else frontend stats)"
            + ("; frontend only" if p == "p95" else ""),
            range=COUNT,
        )
        for metric, unit, what in (
            ("latency", "ms", "time to first token, ms"),
            ("throughput", "tps", "output tokens per second"),
        )
        for p in ("p50", "p75", "p90", "p95", "p99")
    ],
    Column(
        "stats_window_minutes",
        I,
        "minutes the latency and throughput percentiles cover (frontend window_minutes; 30 for "
        "v1's *_last_30m)",
        range=COUNT,
    ),
    Column("request_count", I, "requests in the stats window (frontend)", range=COUNT),
    Column("limit_rpm", I, "rate limit, requests per minute (frontend)", range=COUNT),
    Column("limit_rpd", I, "rate limit, requests per day (frontend)", range=COUNT),
    Column("supported_parameters", LS, "parameters this endpoint supports"),
    Column("supports_implicit_caching", B, "prompt caching without cache_control (v1)"),
    Column("supports_reasoning", B, "reasoning tokens supported (frontend)"),
    Column("supports_tool_parameters", B, "tool calling supported (frontend)"),
    Column("is_byok", B, "served with the user's own provider key (frontend)"),
    Column("is_byok_only", B, "only available with the user's own provider key (frontend)"),
    Column("moderation_required", B, "input is moderated before it reaches the provider"),
    Column("provider_display_name", S, "provider display name (frontend)"),
    Column("provider_model_id", S, "the provider's own id for the model (frontend)"),
    Column("provider_region", S, "region the provider serves from, when given (frontend)"),
    Column("created_at", TS, "when the endpoint was added (frontend, UTC)", range=PAST),
    Column(
        "is_zero_data_retention",
        B,
        "GET /api/v1/endpoints/zdr lists the endpoint (same model and tag): it keeps no data; "
        "false when that call answered without it; null when it was not asked or answered "
        "401/403 or failed that day",
    ),
    Column("in_v1", B, "listed by the v1 endpoints call"),
    Column("in_frontend", B, "listed by frontend stats/endpoint"),
]

PROVIDERS = [
    Column("provider_name", S, "provider name as used in endpoints"),
    Column("display_name", S, "user-facing name"),
    Column("slug", S, "provider slug"),
    Column("headquarters", S, "two-letter country code of the headquarters"),
    Column("datacenters", LS, "country codes of datacenters"),
    Column("has_chat_completions", B, "supports chat completions"),
    Column("has_completions", B, "supports legacy completions"),
    Column("is_abortable", B, "requests can be aborted"),
    Column("moderation_required", B, "input is moderated"),
    Column("byok_enabled", B, "bring-your-own-key supported"),
    Column("supports_multipart", B, "accepts multipart requests (frontend)"),
    Column("privacy_policy_url", S, "privacy policy URL"),
    Column("terms_of_service_url", S, "terms of service URL"),
    Column("status_page_url", S, "status page URL"),
    Column("in_v1", B, "listed by /api/v1/providers"),
    Column("in_frontend", B, "listed by frontend all-providers"),
]

DATA_POLICIES = [
    Column("scope", S, "provider_paid, provider_free or endpoint"),
    Column(
        "provider_slug",
        S,
        "the provider's slug, which keys its policy history (a display name that changes is "
        "the same provider); null only when no provider record names it",
    ),
    Column("provider_name", S, "provider display name"),
    Column("endpoint_id", S, "endpoint UUID (scope endpoint only)"),
    Column("model_id", S, "model id (scope endpoint only)"),
    Column("training", B, "the provider may train on prompts"),
    Column("training_openrouter", B, "OpenRouter may train on prompts via this route"),
    Column("retains_prompts", B, "prompts are retained"),
    Column("retention_days", I, "days prompts are retained", range=COUNT),
    Column("can_publish", B, "prompts may be published"),
    Column("requires_user_ids", B, "user ids must be sent"),
    Column("terms_of_service_url", S, "terms of service URL"),
    Column("privacy_policy_url", S, "privacy policy URL"),
    Column("data_policy_url", S, "data policy URL"),
]

FETCH_LOG = [
    Column("source", S, "source name (v1_models, v1_endpoints, …)"),
    Column("key", S, "request key within the source (model id, permaslug:variant, all)"),
    Column("url", S, "full URL requested (never carries credentials)"),
    Column("status", I, "final HTTP status; null when no response", range=Range(lo=100, hi=599)),
    Column("attempts", I, "attempts made", range=COUNT),
    Column("bytes", I, "body size in bytes", range=COUNT),
    Column("duration_ms", F, "wall time of all attempts, ms", range=COUNT),
    Column("error", S, "why the request failed; null when it succeeded"),
    Column("sha256", S, "sha256 of the body as received"),
    Column("fetched_at", TS, "when the request started (UTC)"),
    Column("file", S, "body file relative to the raw snapshot folder"),
    Column(
        "file_offset",
        I,
        "where the body's gzip member starts in a pack; null: whole file",
        range=COUNT,
    ),
    Column("file_length", I, "bytes of the body's gzip member in the pack", range=COUNT),
    Column(
        "imported",
        B,
        "true: not fetched but landed from an archived response by openrouter-catalog import "
        "(url then names the archive file, fetched_at the import time)",
    ),
    Column(
        "absent",
        B,
        "true: no request, but the source's absence that day (its first calls answered 404 on "
        "every known path; key '(absent)', url the last path tried)",
    ),
    Column(
        "not_asked", I, "for an absent source: the calls it had that were not asked", range=COUNT
    ),
]

MODEL_MODALITIES = [
    Column("model_id", S, "model id"),
    Column("direction", S, "input or output"),
    Column("modality", S, "text, image, file, audio, video, …"),
]

MODEL_BENCHMARKS = [
    Column("model_id", S, "model id (v1 list)"),
    Column("source", S, "who scored it: artificial_analysis or design_arena"),
    Column("arena", S, "Design Arena's arena (models, agents); null for Artificial Analysis"),
    Column(
        "category",
        S,
        "Design Arena's category (website, gamedev, …); null for Artificial Analysis, whose "
        "indexes cover the model as a whole",
    ),
    Column(
        "metric",
        S,
        "intelligence_index, coding_index, agentic_index (Artificial Analysis); elo, win_rate "
        "(%), rank (Design Arena)",
    ),
    Column("value", F, "the figure as the API sent it; null when the API named it without one"),
    Column(
        "reported_by",
        S,
        "v1_models (the model list's benchmarks field) or benchmarks (the Data API's "
        "/benchmarks, for a figure the list does not carry: Design Arena's tournament "
        "placings and generation time, or a model the list does not score)",
    ),
]

ENDPOINT_SUPPORTED_PARAMETERS = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    Column("parameter", S, "a request parameter the endpoint supports (temperature, tools, …)"),
]

ENDPOINT_VARIABLE_PRICINGS = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    Column(
        "tier_source",
        S,
        "where the tier was read: pricing_overrides (pricing.overrides, 2026), "
        "variable_pricings (2025) or pricing_json (adapter keys such as "
        "openai_extended:long_context_threshold, when neither of the others lists the tier)",
    ),
    Column("min_prompt_tokens", I, THRESHOLD, range=COUNT),
    *_tier_prices("tier"),
]

MODEL_PRICE_TIERS = [
    Column("model_id", S, "model id (see models)"),
    Column("tier_source", S, "pricing_overrides: pricing.overrides of /api/v1/models"),
    Column("min_prompt_tokens", I, THRESHOLD, range=COUNT),
    *_tier_prices("the model's default"),
]


_WINDOW = [
    Column(
        "override_index",
        I,
        "the entry's position in pricing.overrides (0-based): where several entries apply, "
        "the later one wins per price key (the API's rule)",
        range=COUNT,
    ),
    Column(
        "utc_start",
        I,
        "the window opens at this UTC time, HHMM as a number (1000 = 10:00)",
        range=Range(lo=0, hi=1439),
    ),
    Column(
        "utc_end",
        I,
        "the window closes at this UTC time, HHMM, exclusive; below utc_start it wraps past "
        "midnight (1000 → 100 is 10:00 → 01:00); 0 is midnight",
        range=Range(lo=0, hi=1439),
    ),
    Column(
        "utc_days",
        LS,
        "the UTC days of the week the window applies, lower-cased as the API gives them; null "
        "when every day",
    ),
    Column(
        "min_prompt_tokens",
        I,
        "null, or a context condition of the same entry: the window then applies only to "
        "requests of more prompt tokens",
        range=COUNT,
    ),
    Column(
        "minutes_per_day",
        I,
        "how long the window is open on a day it applies",
        range=Range(lo=0, hi=1440),
    ),
]
ENDPOINT_PRICE_WINDOWS = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    *_WINDOW,
    *_tier_prices("window", "window"),
]
MODEL_PRICE_WINDOWS = [
    Column("model_id", S, "model id (see models)"),
    *_WINDOW,
    *_tier_prices("the model's default", "window"),
]

PRICE_WINDOW_CHANGES = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    Column("component", S, "the price component the windows set (prompt, completion, …)"),
    Column("change", S, "appeared (no window set it before), changed, or ended (none now)"),
    Column(
        "old_windows",
        S,
        "the windows that set the component in the previous snapshot, in the API's order: "
        "'10:00-01:00 0.66; 04:00-06:00 0.66' (UTC, USD per million units); null when none",
    ),
    Column("new_windows", S, "the same now; null when none"),
    Column("base_usd_per_mtok", PER_MTOK, "the component's base price now (outside windows)"),
    Column("from_date", pl.Date, "the previous snapshot date of the endpoints table"),
]

ENDPOINT_PRICE_ITEMS = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name"),
    Column(
        "service_tier",
        S,
        "default, or the service tier (flex, priority) whose price list this row is from",
    ),
    Column(
        "item",
        S,
        "what is priced: the frontend's SKU label (Input Price, Video (with audio), Web "
        "Search, …), or the pricing key (prompt, image, …) when the frontend has no list",
    ),
    Column("kind", S, "token (priced per token) or unit (per image, second, request, …)"),
    Column(
        "unit",
        S,
        "the unit usd_per_unit is for: M tokens, image, second, minute, hour, megapixel, "
        "request, search, M characters, …",
    ),
    Column(
        "tier_label",
        S,
        "the tier this price is for (≤200K / >200K prompt tokens, 720p / 1080p, high / low "
        "search context, …); null when the item has one price",
    ),
    Column("usd_per_unit", PER_MTOK, "USD per one unit, exact, after the discount"),
    Column(
        "list_usd_per_unit",
        PER_MTOK,
        "USD per one unit before the discount: usd_per_unit / (1 − discount)",
    ),
    Column(
        "source",
        S,
        "display_pricing (the frontend's own list), variable_pricings (2025 web-search tiers) "
        "or pricing (the pricing keys, when no display list exists: v1-only and 2025 endpoints)",
    ),
]

ENDPOINT_PRICE_CHANGES = [
    Column("endpoint_id", S, "endpoint id (see endpoints)"),
    Column("model_id", S, "model id, as of this snapshot"),
    Column("provider_name", S, "provider name, as of this snapshot"),
    Column("component", S, "price component (prompt, completion, request, image, …)"),
    Column("old_usd_per_mtok", PER_MTOK, "price per million units on from_date (null: variable)"),
    Column("new_usd_per_mtok", PER_MTOK, "price per million units on this snapshot"),
    Column(
        "pct_change",
        F,
        "100 × (new − old) / old, rounded to 4 places; null when old is 0 or null",
    ),
    Column("from_date", pl.Date, "the previous snapshot date of the endpoints table"),
]

CATALOG_CHANGE_EVENTS = [
    Column(
        "change",
        S,
        "model_appeared, model_disappeared, endpoint_appeared, endpoint_disappeared, "
        "endpoint_free_to_paid, endpoint_paid_to_free or provider_renamed (a provider's "
        "display name changed under the same slug; provider_name is the new name)",
    ),
    Column("model_id", S, "model id"),
    Column("provider_name", S, "provider name (endpoint changes only)"),
    Column("endpoint_id", S, "endpoint id (endpoint changes only)"),
    Column("from_date", pl.Date, "the previous snapshot date of the endpoints table"),
]


def _pick(table: list[Column], names: tuple[str, ...] | list[str]) -> list[Column]:
    by_name = {c.name: c for c in table}
    return [by_name[n] for n in names]


_EVENT = Column(
    "event",
    S,
    "listed (new since the previous snapshot of the table, or the first snapshot), changed "
    "(a state column differs) or removed (absent now; state columns null)",
)
_TIERS = Column(
    "tiers",
    S,
    "every context tier as one canonical JSON text (sorted; prices as exact decimal strings "
    "per million units); null when none",
)
_WINDOWS = Column(
    "windows",
    S,
    "every time-of-day price window as one canonical JSON text (sorted; prices as exact "
    "decimal strings per million units); null when none",
)
_EVENT_PRICES = [
    c for c in ENDPOINTS if c.name.endswith("_usd_per_mtok") and not c.name.startswith("list_")
]
ENDPOINT_PRICE_EVENTS = [
    *_pick(ENDPOINTS, ("endpoint_id", "model_id", "provider_name")),
    _EVENT,
    *_EVENT_PRICES,
    *_pick(ENDPOINTS, ("is_variable_price", "discount")),
    _TIERS,
    _WINDOWS,
]
MODEL_PRICE_EVENTS = [
    *_pick(MODELS, ("model_id", "name")),
    _EVENT,
    *[c for c in MODELS if c.name.endswith("_usd_per_mtok")],
    *_pick(MODELS, ("is_variable_price",)),
    _TIERS,
    _WINDOWS,
]
# the policy columns whose change starts a new interval of policy_history
POLICY_STATE = (
    "training",
    "training_openrouter",
    "retains_prompts",
    "retention_days",
    "can_publish",
    "requires_user_ids",
)
POLICY_EVENTS = [
    *_pick(DATA_POLICIES, ("scope", "provider_slug", "endpoint_id", "model_id")),
    _EVENT,
    *_pick(DATA_POLICIES, ("provider_name",)),
    *_pick(DATA_POLICIES, POLICY_STATE),
]


def _usage(scope: str) -> list[Column]:
    """The figures of a usage row (one day of model-activity, or a rankings period)."""
    return [
        Column("requests", I, f"requests {scope}", range=COUNT),
        Column("prompt_tokens", I, f"prompt (input) tokens {scope}", range=COUNT),
        Column("completion_tokens", I, f"completion (output) tokens {scope}", range=COUNT),
        Column("reasoning_tokens", I, f"reasoning tokens {scope} (native count)", range=COUNT),
        Column(
            "cached_tokens", I, f"prompt tokens read from cache {scope} (native count)", range=COUNT
        ),
        Column("tool_calls", I, f"tool calls {scope}", range=COUNT),
        Column("tool_call_errors", I, f"requests whose tool call failed {scope}", range=COUNT),
        Column("media_prompt", I, f"media items in prompts {scope}", range=COUNT),
        Column("media_completion", I, f"media items in completions {scope}", range=COUNT),
        Column("audio_prompt", I, f"audio inputs {scope}", range=COUNT),
        Column("video_prompt", I, f"video inputs {scope}", range=COUNT),
        Column("image_output_requests", I, f"requests that produced images {scope}", range=COUNT),
        Column("video_output_seconds", F, f"seconds of video produced {scope}", range=COUNT),
        Column("rerank_documents", I, f"documents reranked {scope}", range=COUNT),
        Column("stt_transcript_characters", I, f"characters transcribed {scope}", range=COUNT),
    ]


MODEL_KEY = [
    Column(
        "model_id",
        S,
        "model id (see models), from the catalog row of (permaslug, variant); null when the "
        "day's catalog does not list it",
    ),
    Column("permaslug", S, "the frontend permaslug the API keys usage by"),
    Column("variant", S, "variant (standard, free, …)"),
    Column("author", S, "author part of the permaslug"),
]

MODEL_ACTIVITY = [
    *MODEL_KEY,
    Column(
        "usage_date",
        pl.Date,
        "the UTC day of the figures; the snapshot's own day is still partial",
        range=PAST,
    ),
    *_usage("that day"),
]

MODEL_RANKINGS = [
    Column("view", S, "the period of the totals: month, week or day (trailing)"),
    Column(
        "rank",
        I,
        "1 = most tokens (prompt + completion) in this view of the snapshot",
        range=Range(lo=1),
    ),
    *MODEL_KEY,
    Column(
        "last_traffic_date",
        pl.Date,
        "the API's 'date': the variant's last day with traffic, NOT the day of the figures",
        range=PAST,
    ),
    *_usage("over the view's trailing period"),
    Column("change", F, "the API's own change figure (undocumented; mostly null)"),
]

EFFECTIVE = (
    "USD per million {0} tokens actually paid, token-weighted over about the last week, "
    "after prompt caching (and any discount); a float as OpenRouter measures and sends it, "
    "not an exact price"
)

MODEL_EFFECTIVE_PRICING = [
    *MODEL_KEY,
    Column("effective_input_usd_per_mtok", F, EFFECTIVE.format("prompt"), range=COUNT),
    Column("effective_output_usd_per_mtok", F, EFFECTIVE.format("completion"), range=COUNT),
    Column(
        "cache_hit_rate",
        F,
        "share (0-1) of prompt tokens served from cache, token-weighted",
        range=SHARE,
    ),
    Column(
        "tokens",
        I,
        "tokens over the period, all endpoints (sum of the per-endpoint figures)",
        range=COUNT,
    ),
    Column(
        "endpoints_with_traffic",
        I,
        "endpoints with a summary (0: no traffic, prices 0)",
        range=COUNT,
    ),
]

PROVIDER_EFFECTIVE_PRICING = [
    *MODEL_KEY,
    Column(
        "endpoint_id",
        S,
        "endpoint UUID (see endpoints): the API's endpointId (sent since 2026-08-04), else the "
        "model's only endpoint of that base slug that day; null when it has several",
    ),
    Column(
        "endpoint_matched_by",
        S,
        "endpointId (named by the API), provider (the provider's only endpoint of the model) "
        "or null",
    ),
    Column(
        "provider_label",
        S,
        "the provider as the API labels the row, a display name ('NovitaAI', 'Google Vertex "
        "(EU)', 'Amazon Bedrock (2)' for a second endpoint)",
    ),
    Column(
        "provider_name",
        S,
        "provider name as in endpoints (of the matched endpoint, else of the model's "
        "endpoints with this base slug; else the label without its parenthesis)",
    ),
    Column("provider_slug", S, "the provider's base slug (no region: google-vertex for all)"),
    Column("effective_input_usd_per_mtok", F, EFFECTIVE.format("prompt"), range=COUNT),
    Column("effective_output_usd_per_mtok", F, EFFECTIVE.format("completion"), range=COUNT),
    Column("cache_hit_rate", F, "share (0-1) of prompt tokens served from cache", range=SHARE),
    Column(
        "tokens",
        I,
        "tokens this endpoint served for the model variant over the period",
        range=COUNT,
    ),
    Column("share", F, "tokens / the model variant's tokens over all its endpoints", range=SHARE),
]

ENDPOINT_UPTIME_OBSERVATIONS = [
    Column("endpoint_id", S, "endpoint UUID (see endpoints)"),
    Column("permaslug", S, "the permaslug whose uptime-recent call listed the endpoint"),
    Column("uptime_date", pl.Date, "the UTC day", range=PAST),
    Column(
        "uptime_pct",
        F,
        "percent of requests that succeeded that day; null without requests",
        range=PERCENT,
    ),
]

ENDPOINT_UPTIME_HOURLY_OBSERVATIONS = [
    Column("endpoint_id", S, "endpoint UUID (see endpoints)"),
    Column("uptime_hour", TS, "the UTC hour", range=PAST),
    Column(
        "uptime_pct",
        F,
        "percent of requests that succeeded that hour; null without any",
        range=PERCENT,
    ),
]

MODEL_TOP_APPS = [
    *MODEL_KEY,
    Column("rank", I, "position in the API's answer, 1 = most tokens", range=Range(lo=1)),
    Column("app_id", I, "OpenRouter's app id"),
    Column("title", S, "app title"),
    Column("description", S, "app description"),
    Column("origin_url", S, "the app's site"),
    Column("main_url", S, "the app's main URL, when given"),
    Column("source_code_url", S, "the app's source code, when given"),
    Column("app_created_at", TS, "when the app was registered (UTC)", range=PAST),
    Column(
        "tokens",
        I,
        "tokens the app used with the model variant over the period (a week)",
        range=COUNT,
    ),
]

API_FIELD_PRESENCE = [
    Column("source", S, "the source (pipeline/sources/<source>.py)"),
    Column(
        "path",
        S,
        "a described field at any depth: pricing.completion, endpoints[].pricing.completion",
    ),
    Column(
        "records",
        I,
        "objects that could carry the field: records, or list items / objects at its depth",
        range=COUNT,
    ),
    Column("carried", I, "of those, how many carried a non-null value", range=COUNT),
]

TABLE_DESCRIPTIONS = {
    "models": "One row per model id as used for inference (variant after a colon), v1 list "
    "joined with the frontend catalog; default prices as exact decimals.",
    "endpoints": "One row per provider endpoint of a model; v1 endpoints and frontend "
    "stats/endpoint paired one to one (same model and tag, then same prices; 2025 v1 "
    "endpoints without a tag by provider slug); every price component (after the discount) "
    "and its list price, limits, flags, uptime, latency and throughput percentiles.",
    "providers": "One row per provider: v1 providers joined with frontend all-providers.",
    "data_policies": "Training / retention policies per provider (paid and free models) and "
    "per endpoint, with the scope that stated them.",
    "fetch_log": "One row per HTTP request made for the snapshot, failures included.",
    "model_modalities": "One row per (model, direction, modality): input and output "
    "modalities in long form.",
    "endpoint_supported_parameters": "One row per (endpoint, supported request parameter).",
    "model_benchmarks": "Third-party benchmark figures of each model as /api/v1/models sends "
    "them (benchmarks): one row per model, source, arena, category and metric. The warehouse's "
    "price_performance and best_model_under weigh prices by them.",
    "endpoint_variable_pricings": "Context-threshold price tiers per endpoint: above "
    "min_prompt_tokens prompt tokens, these prices apply. One row per endpoint and threshold, "
    "from whichever source lists the tier.",
    "model_price_tiers": "Context-threshold price tiers of a model's default (v1) prices: "
    "above min_prompt_tokens prompt tokens, these prices apply.",
    "endpoint_price_windows": "Time-of-day price windows per endpoint (pricing.overrides "
    "entries with utc_start / utc_end / utc_days): inside the window, these prices apply. One "
    "row per endpoint and window, the same whichever part of the API (v1 or the frontend) "
    "states it. The warehouse's price_at and cheapest_endpoint_at apply them.",
    "model_price_windows": "Time-of-day price windows of a model's default (v1) prices.",
    "price_window_changes": "One row per (endpoint, price component) whose time-of-day "
    "windows appeared, changed or ended since the previous snapshot; written and rewritten "
    "like endpoint_price_changes. The price_changes view and the digest read it.",
    "endpoint_price_items": "Every price of every endpoint in its own unit: per million tokens, "
    "per image, second of video, minute of audio, megapixel, search, request, …; one row per "
    "endpoint, service tier, priced item and tier. Prices are after the discount; list_* "
    "before it.",
    "endpoint_price_changes": "One row per (endpoint, price component) whose price differs "
    "from the previous snapshot's. Written with each date, and rewritten for the next date "
    "when a date is (re)built, so backfills in any order stay right. The warehouse view "
    "price_changes reads every partition.",
    "model_activity": "Daily usage per model variant as one snapshot saw it: the whole "
    "rolling 31-day window of stats/model-activity (the snapshot's own day partial). The "
    "warehouse view model_usage_daily keeps, per day, the latest observation.",
    "model_rankings": "The rankings rows of the snapshot (views month, week, day): trailing "
    "totals per model variant, ranked by tokens; last_traffic_date is the API's date field.",
    "model_effective_pricing": "What requests actually paid per model variant over about the "
    "last week (stats/effective-pricing): token-weighted prices after caching, cache hit rate.",
    "provider_effective_pricing": "The same per endpoint that served the model variant, with "
    "its tokens and share of the variant's traffic.",
    "endpoint_uptime_observations": "Daily uptime per endpoint as one snapshot saw it (the "
    "last 3 days of stats/uptime-recent); written on the days the source is fetched (its "
    "cadence). The view endpoint_uptime_daily keeps the latest observation of each day.",
    "endpoint_uptime_hourly_observations": "Hourly uptime of the busiest endpoints (the last 72 "
    "hours of stats/uptime-hourly); the view endpoint_uptime_hourly keeps the latest "
    "observation of each hour.",
    "model_top_apps": "The public apps using each model variant most, per snapshot that asked "
    "(weekly by default).",
    "endpoint_price_events": "One row per endpoint whose prices (every component, discount, "
    "tiers) were listed, changed or removed since the previous snapshot of endpoints. "
    "Rewritten with the next date when a date is rebuilt; the warehouse's "
    "endpoint_price_history intervals are a window over every partition.",
    "model_price_events": "One row per model whose v1 prices (every component, tiers) were "
    "listed, changed or removed since the previous snapshot of models; the events behind "
    "model_price_history.",
    "policy_events": "One row per data policy (provider paid/free, endpoint) listed, changed "
    "or removed since the previous snapshot of data_policies; the events behind "
    "policy_history.",
    "api_field_presence": "The snapshot's field census: one row per source and described field "
    "(at every depth) with how many objects carried it. The publish audit compares it with "
    "the previous published snapshot's to tell a renamed or dropped field from real data.",
    "catalog_change_events": "One row per model or endpoint that appeared or disappeared, or "
    "endpoint that went free ↔ paid, since the previous snapshot. Written and rewritten like "
    "endpoint_price_changes; the warehouse view catalog_changes reads every partition.",
}

_PERCENTILES = [
    Column(
        f"{metric}_{p}_{unit}",
        F,
        f"{p} {what} over the answer's window (window_minutes before sampled_at)"
        + ("; frontend only" if p == "p95" else ""),
        range=COUNT,
    )
    for metric, unit, what in (
        ("latency", "ms", "time to first token, ms"),
        ("throughput", "tps", "output tokens per second"),
    )
    for p in ("p50", "p75", "p90", "p95", "p99")
]
ENDPOINT_PERFORMANCE_SAMPLES = [
    Column(
        "sampled_at",
        TS,
        "the sample's moment (UTC, to the minute): the partition's hour, or `sample --at`",
    ),
    Column(
        "endpoint_id",
        S,
        "endpoint id (see endpoints): the frontend UUID; from v1, the id "
        "the latest published endpoints table gives the endpoint",
    ),
    Column(
        "model_id",
        S,
        "the model id the sample asked for (a '~' alias is its own model, "
        "and its answer its own figures)",
    ),
    Column("permaslug", S, "the permaslug asked (frontend key)"),
    Column("variant", S, "the variant asked"),
    Column("provider_name", S, "provider name"),
    Column("provider_tag", S, "the endpoint's tag (e.g. deepinfra/fp8)"),
    *_PERCENTILES,
    Column(
        "uptime_last_5m",
        F,
        "uptime % over 5 minutes (v1 only: the frontend's answer has "
        "none; null when sampled there)",
        range=PERCENT,
    ),
    Column("uptime_last_30m", F, "uptime % over 30 minutes (v1 only)", range=PERCENT),
    Column("uptime_last_1d", F, "uptime % over 1 day (v1 only)", range=PERCENT),
    Column(
        "status",
        I,
        "endpoint status code at that moment (0 ok; negative = degraded)",
    ),
    Column("request_count", I, "requests behind the percentiles (frontend stats)", range=COUNT),
    Column("success_count", I, "successful requests (frontend status_heuristics)", range=COUNT),
    Column(
        "rate_limited_count", I, "rate-limited requests (frontend status_heuristics)", range=COUNT
    ),
    Column(
        "derankable_error_count",
        I,
        "errors that count against the endpoint's ranking (frontend status_heuristics)",
        range=COUNT,
    ),
    Column(
        "window_minutes",
        I,
        "the minutes the figures cover (30); null when the endpoint had no traffic to measure",
        range=COUNT,
    ),
    Column(
        "answered_by",
        S,
        "which call gave the row: frontend (stats/endpoint) or v1 "
        "(/api/v1/models/…/endpoints, when the frontend is down)",
    ),
]

DATE = pl.Date
_AS_OF = Column(
    "as_of",
    S,
    "when OpenRouter computed the answer (its meta.as_of, as sent: a time, or the last day of "
    "the window); cite the row with it",
)
SLICES = ("period", "modality", "context_bucket", "category", "language_type")
OFFICIAL_RANKINGS_DAILY = [
    Column("date", DATE, "the UTC day the tokens were used (rows are stored by this date)"),
    Column(
        "model_permaslug",
        S,
        "the model's permaslug as the API names it (a ':variant' suffix for non-default "
        "variants), or 'other': every model outside the day's top 50",
    ),
    Column(
        "model_id",
        S,
        "the catalog's model id of that permaslug and variant (the models table of the "
        "snapshot that fetched the row); null for 'other' and for permaslugs the catalog no "
        "longer lists",
    ),
    Column(
        "total_tokens",
        I,
        "prompt + completion tokens that day, exact (the API sends a decimal string); each "
        "provider's tokenizer counts its own way",
        range=COUNT,
    ),
    Column("is_other", B, "the row sums every model outside the day's top 50"),
    *[
        Column(
            k,
            S,
            f"the {k} slice asked (null: not sliced by {k}); "
            + ("week or month for a sampled slice" if k == "period" else "see the Data API"),
        )
        for k in SLICES
    ],
    _AS_OF,
    Column("snapshot_date", DATE, "the snapshot whose run fetched and published the row"),
]
TASK_CLASSIFICATIONS = [
    Column("tag", S, "the task tag (code:general_impl, …)"),
    Column("display_name", S, "the tag's name"),
    Column("macro_category", S, "code, data, agent or general"),
    Column("usage_share", F, "share of classified sampled requests (0-1)", range=SHARE),
    Column("token_share", F, "share of classified sampled tokens (0-1)", range=SHARE),
    Column("category_usage_share", F, "share of its macro category's requests (0-1)", range=SHARE),
    Column("category_token_share", F, "share of its macro category's tokens (0-1)", range=SHARE),
    Column("window_days", I, "the trailing window, in days (7)", range=COUNT),
    _AS_OF,
]
TASK_TOP_MODELS = [
    Column("tag", S, "the task tag (see task_classifications)"),
    Column(
        "rank", I, "position in the API's list of the tag's top models, from 1", range=Range(lo=1)
    ),
    Column("model_permaslug", S, "the model as the API names it (its id field)"),
    Column(
        "model_id",
        S,
        "the catalog's model id of that permaslug, or the id itself when "
        "it is one; null when the catalog lists neither",
    ),
    Column("tag_usage_share", F, "the model's share of the tag's requests (0-1)", range=SHARE),
    Column("tag_token_share", F, "the model's share of the tag's tokens (0-1)", range=SHARE),
    _AS_OF,
]
APP_RANKINGS = [
    Column("rank", I, "position by tokens in the window, 1 = most", range=Range(lo=1)),
    Column("app_id", I, "OpenRouter's app id"),
    Column("app_name", S, "the app's name"),
    Column("total_tokens", I, "prompt + completion tokens in the window, exact", range=COUNT),
    Column("total_requests", I, "requests in the window", range=COUNT),
    Column("start_date", DATE, "the window's first day (UTC)"),
    Column("end_date", DATE, "the window's last day (UTC, inclusive)"),
    _AS_OF,
]
SESSION_COSTS = [
    Column("app_slug", S, "the harness app's slug"),
    Column("app_name", S, "the harness app's name"),
    Column("model_permaslug", S, "the model's permaslug"),
    Column("model_id", S, "the catalog's model id of that permaslug; null when unmatched"),
    Column("turn_range", S, "1-turn, 2-9-turns, 10-49-turns or 50-plus-turns"),
    Column("median_session_cost_usd", F, "median USD spent per session in the cell", range=COUNT),
    Column(
        "window_days", I, "the sessions' window in days; null before a snapshot exists", range=COUNT
    ),
    Column("window_end_date", DATE, "the window's last day"),
    _AS_OF,
]
BENCHMARK_RUNS = [
    Column("model_permaslug", S, "the model as the API names it"),
    Column("model_id", S, "the catalog's model id of that permaslug; null when unmatched"),
    Column("display_name", S, "the model's name"),
    Column("benchmark_type", S, "gpqa_diamond, tau_bench_verified_airline, search_*"),
    Column(
        "run_config",
        S,
        "the run's configuration as canonical JSON (search engine and surface, agent turns, "
        "reasoning effort, temperature, when stated); '{}' when none: part of the key",
    ),
    Column("accuracy", F, "share of tasks solved (0-1); a search benchmark's primary score"),
    Column("accuracy_stddev", F, "its standard deviation across runs; null when not stated"),
    Column(
        "avg_cost_per_task", F, "average USD cost of one task; null when not stated", range=COUNT
    ),
    Column("avg_latency_per_task_ms", F, "average latency of one task, ms (search)", range=COUNT),
    Column("total_tasks", I, "tasks in the run", range=COUNT),
    Column("primary_metric", S, "what accuracy measures for a search benchmark"),
    Column("last_run_at", TS, "when the benchmark last ran (UTC)", range=PAST),
    Column("citation", S, "the answer's own citation line, when it gives one"),
    _AS_OF,
]
# The Data API's tables: fetched on a quota, audited and published on their own (a broken
# contract there holds them, not the catalog). official_rankings_daily is stored by the date
# its rows describe; the others by snapshot date.
DATASET_TABLES: dict[str, list[Column]] = {
    "official_rankings_daily": OFFICIAL_RANKINGS_DAILY,
    "task_classifications": TASK_CLASSIFICATIONS,
    "task_top_models": TASK_TOP_MODELS,
    "app_rankings": APP_RANKINGS,
    "session_costs": SESSION_COSTS,
    "benchmark_runs": BENCHMARK_RUNS,
}
BY_DATA_DATE = frozenset({"official_rankings_daily"})
DATASET_DESCRIPTIONS = {
    "official_rankings_daily": "OpenRouter's official daily token totals (Data API "
    "rankings-daily, CC BY 4.0): per UTC day the top 50 models and one 'other' row, from "
    "2025-01-01, one row per (date, model_permaslug, slice). Stored by data date; a later "
    "answer for a day replaces the earlier one.",
    "task_classifications": "The share of the last 7 days' sampled traffic per task tag "
    "(Data API classifications/task), per snapshot.",
    "task_top_models": "Each task tag's top models with their shares of the tag, per snapshot.",
    "app_rankings": "The top public apps by tokens over the last 30 days (Data API "
    "app-rankings, CC BY 4.0), per snapshot.",
    "session_costs": "The median cost of a session per harness app, model and turn range "
    "(Data API session-cost, CC BY 4.0, refreshed weekly), per snapshot.",
    "benchmark_runs": "OpenRouter's own benchmark runs (Data API benchmarks): accuracy, its "
    "spread and the average cost per task, per model, benchmark and run configuration.",
}

# Tables written a sample at a time, several a day (one file per sample in the date's
# partition), by their own job: not part of a snapshot's build or audit.
SAMPLED_TABLES: dict[str, list[Column]] = {
    "endpoint_performance_samples": ENDPOINT_PERFORMANCE_SAMPLES,
}
SAMPLED_DESCRIPTIONS = {
    "endpoint_performance_samples": "One row per endpoint per hourly performance sample "
    "(the hourly_performance job, `openrouter-catalog sample`): latency and throughput "
    "percentiles, uptime, status and request counts of each endpoint the latest published "
    "snapshot lists, as the API stated them at that moment. Partitioned by date, one file per "
    "sample.",
}

TABLES: dict[str, list[Column]] = {
    "models": MODELS,
    "endpoints": ENDPOINTS,
    "providers": PROVIDERS,
    "data_policies": DATA_POLICIES,
    "fetch_log": FETCH_LOG,
    "model_modalities": MODEL_MODALITIES,
    "endpoint_supported_parameters": ENDPOINT_SUPPORTED_PARAMETERS,
    "model_benchmarks": MODEL_BENCHMARKS,
    "endpoint_variable_pricings": ENDPOINT_VARIABLE_PRICINGS,
    "model_price_tiers": MODEL_PRICE_TIERS,
    "endpoint_price_windows": ENDPOINT_PRICE_WINDOWS,
    "model_price_windows": MODEL_PRICE_WINDOWS,
    "price_window_changes": PRICE_WINDOW_CHANGES,
    "endpoint_price_items": ENDPOINT_PRICE_ITEMS,
    "endpoint_price_changes": ENDPOINT_PRICE_CHANGES,
    "catalog_change_events": CATALOG_CHANGE_EVENTS,
    "endpoint_price_events": ENDPOINT_PRICE_EVENTS,
    "model_price_events": MODEL_PRICE_EVENTS,
    "policy_events": POLICY_EVENTS,
    "model_activity": MODEL_ACTIVITY,
    "model_rankings": MODEL_RANKINGS,
    "model_effective_pricing": MODEL_EFFECTIVE_PRICING,
    "provider_effective_pricing": PROVIDER_EFFECTIVE_PRICING,
    "endpoint_uptime_observations": ENDPOINT_UPTIME_OBSERVATIONS,
    "endpoint_uptime_hourly_observations": ENDPOINT_UPTIME_HOURLY_OBSERVATIONS,
    "model_top_apps": MODEL_TOP_APPS,
    "api_field_presence": API_FIELD_PRESENCE,
}


# every declared table, sampled and Data API ones included
ALL_TABLES: dict[str, list[Column]] = {**TABLES, **SAMPLED_TABLES, **DATASET_TABLES}


@dataclass(frozen=True)
class Rules:
    """What a table's rows must hold, beside its columns. Every snapshot's checks, and which
    of them hold a date, are generated from these (``pipeline/publish/protocol.py``)."""

    # unique per snapshot (a column, or several); blocking: a repeated key breaks every join
    key: str | tuple[str, ...] | None = None
    # (column, table): the column's values are rows of that table's key; blocking, as orphans
    # break the joins the views make
    references: tuple[tuple[str, str], ...] = ()
    # prices ≥ 0, null only when variable; a report: a frontend-only endpoint whose prices
    # arrived unreadable is unknown, not wrong
    prices: bool = False
    # row count within ± this share of the previous published snapshot; a warning
    row_count_change: float | None = None
    # columns whose values, where present, never decrease left to right (percentiles); a row
    # out of order is quarantined like a value out of range
    ordered: tuple[tuple[str, ...], ...] = ()


RULES: dict[str, Rules] = {
    "models": Rules(key="model_id", prices=True, row_count_change=0.2),
    "endpoints": Rules(
        key="endpoint_id",
        references=(("model_id", "models"),),
        prices=True,
        row_count_change=0.2,
        ordered=tuple(
            tuple(f"{metric}_{p}_{unit}" for p in ("p50", "p75", "p90", "p95", "p99"))
            for metric, unit in (("latency", "ms"), ("throughput", "tps"))
        ),
    ),
    "official_rankings_daily": Rules(key=("date", "model_permaslug", *SLICES)),
    "task_classifications": Rules(key="tag"),
    "task_top_models": Rules(key=("tag", "model_permaslug")),
    "app_rankings": Rules(key="app_id"),
    "session_costs": Rules(key=("app_slug", "model_permaslug", "turn_range")),
    "benchmark_runs": Rules(key=("model_permaslug", "benchmark_type", "run_config")),
}


def with_declared(
    df: pl.DataFrame, table: str, columns: Sequence[str] | None = None
) -> pl.DataFrame:
    """``df`` with every declared column of ``table`` (or the ``columns`` asked for) that it
    lacks, as typed nulls: a partition written by older code, before the column was
    declared, reads in today's columns (``rebuild --stale`` then rewrites it)."""
    declared = {c.name: c.dtype for c in ALL_TABLES.get(table, ())}
    wanted = list(columns) if columns is not None else list(declared)
    missing = [c for c in wanted if c not in df.columns and c in declared]
    if not missing:
        return df
    df = df.with_columns(pl.lit(None, declared[c]).alias(c) for c in missing)
    return df.select(wanted) if columns is not None else df


def empty(table: str) -> pl.DataFrame:
    """A table with no rows and exactly its declared columns."""
    return pl.DataFrame(schema={c.name: c.dtype for c in ALL_TABLES[table]})


def conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """Exactly the declared columns, in order, with the declared types."""
    cols = ALL_TABLES[table]
    missing = [c.name for c in cols if c.name not in df.columns]
    if missing:
        raise ValueError(f"table {table}: transform did not produce {missing}")
    return df.select([pl.col(c.name).cast(c.dtype) for c in cols])
