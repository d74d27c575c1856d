package telegram

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"

	tg "github.com/go-telegram/bot"
)

var (
	// tokenShape is BotFather's: the bot's number, a colon and about 35
	// letters, digits, _ and -.
	tokenShape = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{30,80}$`)
	// secretShape is Telegram's rule for a webhook's secret_token.
	secretShape = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// ValidToken reports whether s has the shape of a bot token. Only such a
// token is put in a request URL (/bot<token>/<method>): a line break or a
// space in it would fail the request with an error that quotes the URL.
func ValidToken(s string) bool { return tokenShape.MatchString(s) }

// ValidWebhookSecret reports whether s is a secret Telegram accepts for
// setWebhook's secret_token.
func ValidWebhookSecret(s string) bool { return secretShape.MatchString(s) }

// redactingClient makes the Bot API calls of the client library and takes
// the token out of an answer that is not the Bot API's, such as a web
// server's "Cannot POST /bot<token>/getMe" when TELEGRAM_API_URL points at
// the wrong server: the library quotes an answer it cannot decode in its
// error, which is logged and stored with a failed message. (The library
// itself masks the token in the URL that net/http's errors quote.)
type redactingClient struct {
	c     tg.HttpClient
	token string
}

// maxOddAnswer is how much of an answer that is not JSON is kept.
const maxOddAnswer = 64 << 10

func (r redactingClient) Do(req *http.Request) (*http.Response, error) {
	// The library streams its multipart form through a pipe, so net/http
	// sends it chunked, a write to the socket for each piece: most of a
	// send's time in the profile of the real binary. The form is small (an
	// upload is in memory already): read it whole and send it in one go.
	if req.Body != nil && req.ContentLength <= 0 {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := r.c.Do(req)
	if err == nil && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxOddAnswer))
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(strings.ReplaceAll(string(body), r.token, "<token>")))
	}
	return resp, err
}
