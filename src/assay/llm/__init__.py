"""Language models behind one method: providers, prompts, output schemas, parsing.

This package never touches data; :mod:`assay.refinement` decides what a model is told and
checks every suggestion against the data before it reaches a schema.
"""

from assay.llm.cache import CachedClient
from assay.llm.client import (
    LLMClient,
    LLMRequest,
    LLMResponse,
    Message,
    ProviderConfigError,
    ProviderError,
)
from assay.llm.prompt import TEMPLATE_VERSION, ColumnInfo, Passage, Prompt, TableInfo, build_prompt
from assay.llm.providers import ProviderSpec, make_client, parse_spec, resolve_spec
from assay.llm.suggestions import (
    Answer,
    AnswerError,
    FieldSuggestion,
    OutputSpec,
    TableSuggestion,
    output_schema,
    parse_answer,
)

__all__ = [
    "TEMPLATE_VERSION",
    "Answer",
    "AnswerError",
    "CachedClient",
    "ColumnInfo",
    "FieldSuggestion",
    "LLMClient",
    "LLMRequest",
    "LLMResponse",
    "Message",
    "OutputSpec",
    "Passage",
    "Prompt",
    "ProviderConfigError",
    "ProviderError",
    "ProviderSpec",
    "TableInfo",
    "TableSuggestion",
    "build_prompt",
    "make_client",
    "output_schema",
    "parse_answer",
    "parse_spec",
    "resolve_spec",
]
