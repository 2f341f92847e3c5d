"""The read model's publisher: writes a case's projection and search attributes only when they change."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common.deadlines import is_pending, start_of
    from workflows.common.records import CaseProjection
    from workflows.common.search import LA_CODE, NEXT_DEADLINE, NEXT_DUE, STAGE


class Publisher:
    """Writes the read model and the search attributes, each only when what it shows has changed.

    The state version goes up once per projection actually written, so the read model's idempotency by
    (case id, state version) holds, and a refresh that changed nothing costs no activity and no
    visibility write.
    """

    def __init__(self, *, state_version: int = 0) -> None:
        self.state_version = state_version
        self._projected: CaseProjection | None = None
        self._searched: tuple[object, ...] | None = None

    def prepare(self, projection: CaseProjection) -> CaseProjection | None:
        """Decide now what to write (the version and the search attributes are settled at once): the
        projection to write with its state version, or None when the read model already shows this."""
        upcoming = min((d for d in projection.deadlines if is_pending(d)), key=lambda d: d.due, default=None)
        searched = (
            projection.stage,
            projection.la_code,
            upcoming.deadline if upcoming else None,
            upcoming.due if upcoming else None,
        )
        if searched != self._searched:
            workflow.upsert_search_attributes(
                [
                    STAGE.value_set(projection.stage.value),
                    LA_CODE.value_set(projection.la_code),
                    NEXT_DEADLINE.value_set(upcoming.deadline) if upcoming else NEXT_DEADLINE.value_unset(),
                    NEXT_DUE.value_set(start_of(upcoming.due)) if upcoming else NEXT_DUE.value_unset(),
                ]
            )
            self._searched = searched
        unversioned = projection.model_copy(update={"state_version": 0})
        if unversioned == self._projected:
            return None
        self.state_version += 1
        self._projected = unversioned
        return projection.model_copy(update={"state_version": self.state_version})
