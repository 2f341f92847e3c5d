"""The custom search attributes the workflows keep, for the Temporal UI's filters. They carry no personal
data: a stage, a deadline's name, its due time and the authority's code."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("EhcpStage")
NEXT_DEADLINE = SearchAttributeKey.for_keyword("EhcpNextDeadline")
NEXT_DUE = SearchAttributeKey.for_datetime("EhcpNextDue")
LA_CODE = SearchAttributeKey.for_keyword("EhcpLaCode")
# The side effects that failed for good and wait for a retry, by activity name (workflows/common/effects.py).
ATTENTION = SearchAttributeKey.for_keyword("EhcpAttention")

SEARCH_ATTRIBUTES = (STAGE, NEXT_DEADLINE, NEXT_DUE, LA_CODE, ATTENTION)
