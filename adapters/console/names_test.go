package console_test

import (
	"context"
	"os/user"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/console"
	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/data/sqlite"
)

// The terminal's seller is named as the OS knows them: the full name of the
// password file's comment, else the login name, else "terminal".
func TestUserName(t *testing.T) {
	for _, c := range []struct {
		u    *user.User
		want string
	}{
		{&user.User{Name: "Li Lei", Username: "lilei"}, "Li Lei"},
		{&user.User{Name: "李雷,Room 3,555-0100,", Username: "lilei"}, "李雷"},
		{&user.User{Name: ",,,", Username: "lilei"}, "lilei"},
		{&user.User{Name: " ", Username: ""}, "terminal"},
		{nil, "terminal"},
	} {
		if got := console.UserName(c.u); got != c.want {
			t.Errorf("UserName(%+v) = %q, want %q", c.u, got, c.want)
		}
	}
}

// The name reaches the core with each line: the company's /team shows it.
func TestTheNameReachesTheTeam(t *testing.T) {
	store, core := setup(t)
	ctx := context.Background()
	run := func(who, input string, opts ...console.Option) string {
		t.Helper()
		var out strings.Builder
		if err := console.New(core, store, who, strings.NewReader(input), &out, opts...).Run(ctx); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	out := run("owner", "/lang en\n/invite\n", console.WithName("王芳"))
	code := strings.Fields(out[strings.Index(out, "join ")+len("join "):])[0]
	run("mate", "/lang en\njoin "+code+"\n") // the OS user's name
	out = run("owner", "/team\n", console.WithName("王芳"))
	osName := console.OSUserName()
	for _, want := range []string{"1. 王芳 (owner) (you) · terminal", "2. " + osName + " · terminal"} {
		if !strings.Contains(out, want) {
			t.Errorf("/team lacks %q:\n%s", want, out)
		}
	}
	if name := memberName(t, store, "mate"); name != osName || osName == "" {
		t.Errorf("the member is named %q, want the OS user's %q", name, osName)
	}
}

func memberName(t *testing.T, store *sqlite.Store, who string) string {
	t.Helper()
	var name string
	err := store.Update(context.Background(), func(tx bot.Tx) error {
		id, err := tx.Identify(context.Background(), console.Platform, who)
		name = id.Member.Name
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return name
}
