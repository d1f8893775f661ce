"""Loading category rules from ``registry/rules/<category>/<version>.yaml`` (cached, versions sorted as numbers),
and the category a product file describes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from footprint.model import canonical_sha256
from registry.rules.model import CategoryRule, InvalidRule, RuleNotFound, UnknownCategory, numbers_without_source

RULES_DIR = Path(__file__).parent


#: Product kinds (footprint.loader) whose rule has the same name.
KIND_CATEGORIES: dict[str, str] = {k: k for k in ("pv_module", "monitor", "display", "laptop", "desktop",
                                                            "display_panel")}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def categories() -> list[str]:
    """Ids of the categories that have a rule file."""
    return list(_categories(RULES_DIR))


@lru_cache(maxsize=4)
def _categories(folder: Path) -> tuple[str, ...]:
    # rule files are package data: read the folder once
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.yaml"))))


def versions(category: str, *, field: str = "category") -> list[str]:
    """Versions of a category's rule, oldest first.

    Raises:
        UnknownCategory: naming ``field``.
    """
    if category not in categories():
        raise UnknownCategory(f"no rule for category {category!r}; categories: {', '.join(categories())}", field)
    return list(_versions(RULES_DIR, category))


@lru_cache(maxsize=64)
def _versions(folder: Path, category: str) -> tuple[str, ...]:
    return tuple(sorted((p.stem for p in (folder / category).glob("*.yaml")), key=_version_key))


@lru_cache(maxsize=64)
def _read(category: str, version: str) -> CategoryRule:
    path = RULES_DIR / category / f"{version}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidRule(f"{category}/{path.name} is not valid YAML: {exc}".replace("\n", " "), category) from None
    if not isinstance(data, dict):
        raise InvalidRule(f"{path.name} of {category} must hold a mapping", category)
    unsourced = numbers_without_source(data)
    if unsourced:
        raise InvalidRule(f"rule {category} {version}: numbers without a source: {', '.join(unsourced)}", category)
    try:
        rule = CategoryRule.model_validate({**data, "sha256": canonical_sha256(data)})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InvalidRule(f"rule {category} {version}: {where}: {err['msg']}", category) from None
    if (rule.id, rule.version) != (category, version):
        raise InvalidRule(f"{category}/{version}.yaml declares {rule.id} {rule.version}", category)
    return rule


def load_rule(category: str, version: str | None = None, *, field: str = "category") -> CategoryRule:
    """The rule of ``category``: the given version, else the newest.

    Args:
        category: a rule id (``pv_module``, ``monitor``, ``component``...).
        version: a version of it; the newest when None.
        field: the request field an unknown category is reported on.

    Raises:
        UnknownCategory: no rule for the category (naming ``field``).
        RuleNotFound: the category has no such version.
        InvalidRule: the file is malformed or a number in it has no source.
    """
    have = versions(category, field=field)
    if version is None:
        version = have[-1]
    elif version not in have:
        raise RuleNotFound(f"rule {category} has no version {version!r}; versions: {', '.join(have)}", "version")
    return _read(category, version)


def rules() -> list[CategoryRule]:
    """The newest rule of every category."""
    return [load_rule(c) for c in categories()]


def category_of(document: Mapping[str, Any], default: str | None = None) -> str:
    """The category whose rule applies to a product document: an explicit ``category``, else its ``kind``.

    A ``custom`` document without ``category`` takes ``default`` (say, the registered product's category).

    Raises:
        UnknownCategory: naming the field ``category`` (missing for a custom product, or unknown, or not
            applicable to the kind) or ``kind`` (a kind without a rule).
    """
    kind = document.get("kind", "custom")
    if not isinstance(kind, str):
        raise UnknownCategory("kind must be a text such as pv_module, monitor or custom", "kind")
    explicit = document.get("category")
    if explicit is not None:
        if not isinstance(explicit, str) or explicit not in categories():
            raise UnknownCategory(f"unknown category {explicit!r}; categories: {', '.join(categories())}",
                                  "category")
        rule = load_rule(explicit)
        if kind != "custom" and kind not in rule.kinds:
            raise UnknownCategory(f"category {explicit!r} does not apply to kind {kind!r}", "category")
        return explicit
    if kind == "custom" and default is not None:
        return category_of({"category": default})
    if kind == "custom":
        raise UnknownCategory(f"a custom product names its rule in `category` (one of: {', '.join(categories())})",
                              "category")
    if kind in KIND_CATEGORIES:
        return KIND_CATEGORIES[kind]
    if kind == "battery":  # one rule per catalogue kind: battery_<application>
        application = document.get("application")
        if f"battery_{application}" not in categories():
            raise UnknownCategory(f"a battery's application must be one of consumer, small_power, ev, storage, got "
                                  f"{application!r}", "application")
        return f"battery_{application}"
    raise UnknownCategory(f"no rule for kind {kind!r}", "kind")
