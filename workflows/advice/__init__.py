"""`AdviceRequestWorkflow`: one reg 6 advice request, from sending to the agency's answer (reg 8)."""
