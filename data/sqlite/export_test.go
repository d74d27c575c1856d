package sqlite

// CheckBudget lets tests bound the start-up check.
var CheckBudget = &checkBudget
