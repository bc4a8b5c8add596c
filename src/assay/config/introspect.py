"""Which part of the model a key path names: a section, a list, or a plain value.

Error messages use it to list a section's valid keys; overrides use it to create the
right container for a key the file did not set (``llm.timeout`` creates the ``llm``
section; ``target.uri`` is refused, since ``target`` is a value).
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

from assay.config.model import Config


def model_at(loc: tuple[str | int, ...], root: type[BaseModel] = Config) -> type[BaseModel] | None:
    """The section model found at ``loc`` (list indexes skipped), if any."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None or part not in model.model_fields:
            return None
        model = _model_in(model.model_fields[part].annotation)
    return model


def kind_at(loc: tuple[str | int, ...]) -> Literal["section", "list", "value"] | None:
    """What the key path holds in the model; None when the path is not in the model."""
    if not loc:
        return "section"
    parent = model_at(loc[:-1])
    last = loc[-1]
    if isinstance(last, int):
        return "section" if parent is not None else None
    if parent is None or last not in parent.model_fields:
        return None
    annotation = _unwrap(parent.model_fields[last].annotation)
    if _model_in(annotation) is not None:
        return "list" if typing.get_origin(annotation) in (tuple, list) else "section"
    if typing.get_origin(annotation) in (tuple, list, dict) or annotation in (dict, list):
        return "list" if typing.get_origin(annotation) in (tuple, list) else "section"
    return "value"


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _model_in(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, tuple, list):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
