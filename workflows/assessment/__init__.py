"""`AssessmentWorkflow`: one EHC needs assessment request, from receipt to the final plan (regs 3-14)."""
