package sqlite

// CheckBudget lets tests bound the start-up check.
var CheckBudget = &checkBudget

// SetRestartAt sets the WAL size, in frames, past which s restarts the WAL.
func SetRestartAt(s *Store, frames int) { s.restartAt = frames }
