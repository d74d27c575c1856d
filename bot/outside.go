package bot

// Work a message needs done outside its write transaction.

import (
	"context"
	"errors"
)

// errOutside ends the handling of a message whose command asked for work
// outside the transaction (see Conversation.Outside): the transaction is
// rolled back, the work done, and the message handled again.
var errOutside = errors.New("work to do outside the transaction")

// maxOutside bounds how many times a message is handled again for work
// outside its transaction (a command asks once for each key).
const maxOutside = 2

// outsideWork is work a message's command asked for, under its key.
type outsideWork struct {
	key string
	run func(ctx context.Context, r Reader) (any, error)
}

// Outside returns the result of work that reads committed data, through
// the read side, with no write transaction open: a report too big to make
// while holding the store's writer, which every other seller's message
// would wait for. The first time a message's handling asks for key,
// Outside returns an error the command must return: the handling's
// transaction is rolled back (nothing of it is kept, its claim neither;
// on SQLite the transactions that were to share its commit run again,
// each alone: a cost paid once per such message, not for as long as the
// work takes), the work runs, and the message is handled again from the
// start in a new transaction, where Outside returns the result at once;
// what the command then writes (its reply) is committed with the claim as
// always. key names the work and all it depends on (the market, the
// language, the time), so that a handling that asks for other work does
// not get this one's. The work must only read: it may run for a message
// that is then not answered (a redelivery handled in the meantime).
func (cv *Conversation) Outside(key string, work func(ctx context.Context, r Reader) (any, error)) (any, error) {
	if v, ok := cv.done[key]; ok {
		return v, nil
	}
	cv.outside = &outsideWork{key: key, run: work}
	return nil, errOutside
}
