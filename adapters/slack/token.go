package slack

import "regexp"

var (
	// botTokenShape and appTokenShape are Slack's bot user OAuth token and
	// app-level token: xoxb- or xapp-, then letters, digits and dashes.
	botTokenShape = regexp.MustCompile(`^xoxb-[A-Za-z0-9-]{1,250}$`)
	appTokenShape = regexp.MustCompile(`^xapp-[A-Za-z0-9-]{1,250}$`)
	// signingSecretShape is hexadecimal (Slack's are 32 digits).
	signingSecretShape = regexp.MustCompile(`^[0-9a-fA-F]{16,128}$`)
)

// ValidBotToken reports whether s has the shape of a bot token (xoxb-…).
func ValidBotToken(s string) bool { return botTokenShape.MatchString(s) }

// ValidAppToken reports whether s has the shape of an app-level token
// (xapp-…), which Socket Mode needs.
func ValidAppToken(s string) bool { return appTokenShape.MatchString(s) }

// ValidSigningSecret reports whether s has the shape of a signing secret.
func ValidSigningSecret(s string) bool { return signingSecretShape.MatchString(s) }
