"""`PlanWorkflow`: one EHC plan for its whole life (CFA s.44-45; regs 15-31)."""
