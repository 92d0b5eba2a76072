"""Child labour: ILO age and task rules, their evaluator and the findings over the registry (issue 5)."""
