// Package broker is kidney3d's side of RabbitMQ (github.com/rabbitmq/amqp091-go):
// connecting (credentials from a file or the environment, never the URL;
// TLS with amqps), the queues and exchanges the scale-out workers share,
// publishing jobs (package workmsg) and progress events, and following
// those events.
//
// Topology, declared alike by every worker and submitter:
//   - JobQueue: durable, message priorities 0–2 (x-max-priority), its
//     rejected messages dead-lettered to DeadExchange (x-dead-letter-exchange);
//   - DeadExchange (fanout) → DeadQueue: the jobs refused or failed too
//     often, with ReasonHeader saying why;
//   - ProgressExchange (topic): one Event per job step, routed by the
//     case's path under the root;
//   - RetryQueue(delay), one per retry delay: a failed job waits there,
//     with no consumer, until its time to live (x-message-ttl, the delay)
//     ends; the broker then dead-letters it back to JobQueue through the
//     default exchange. The wait is the broker's (a durable queue, a
//     persistent message), so neither a worker's crash nor a broker's
//     restart ends it.
package broker

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/workmsg"
)

// The names of the queues, exchanges and headers.
const (
	JobQueue         = "kidney3d.jobs"
	DeadExchange     = "kidney3d.dead"
	DeadQueue        = "kidney3d.dead"
	ProgressExchange = "kidney3d.progress"
	// ReasonHeader is why a message was dead-lettered, or why its last
	// attempt failed.
	ReasonHeader = "x-kidney3d-reason"
	// AttemptsHeader is how many attempts of the job failed.
	AttemptsHeader = "x-kidney3d-attempts"
)

// Environment variables of the broker's credentials.
const (
	EnvUser     = "KIDNEY3D_BROKER_USER"
	EnvPassword = "KIDNEY3D_BROKER_PASSWORD"
)

// Config says how to reach the broker.
type Config struct {
	// URL is amqp://HOST[:PORT]/[VHOST] or amqps://…, without a password.
	URL string
	// Credentials is a file whose first line is USER:PASSWORD; without
	// it, EnvUser and EnvPassword, else RabbitMQ's default (guest, which
	// the broker accepts from its own machine only).
	Credentials string
	// CA is a PEM file of the certificate authorities trusted for amqps
	// (default: the system's).
	CA string
}

// Check checks the URL without connecting: amqp or amqps, and no
// password in it.
func (c Config) Check() error {
	_, err := c.parseURL()
	return err
}

func (c Config) parseURL() (*url.URL, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("broker URL: %w", err)
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return nil, fmt.Errorf("broker URL %q: want amqp://HOST[:PORT]/[VHOST] or amqps://…", c.URL)
	}
	if _, set := u.User.Password(); set {
		return nil, fmt.Errorf("broker URL: holds a password, which the command line would show to every user of this machine: put it in --broker-credentials FILE or $%s", EnvPassword)
	}
	return u, nil
}

// Dial connects to the broker.
func (c Config) Dial() (*amqp.Connection, error) {
	u, err := c.parseURL()
	if err != nil {
		return nil, err
	}
	user, pass, err := c.credentials()
	if err != nil {
		return nil, err
	}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	cfg := amqp.Config{Heartbeat: 10 * time.Second, Locale: "en_US", Dial: amqp.DefaultDial(10 * time.Second)}
	if u.Scheme == "amqps" {
		if cfg.TLSClientConfig, err = c.tlsConfig(u.Hostname()); err != nil {
			return nil, err
		}
	}
	conn, err := amqp.DialConfig(u.String(), cfg)
	if err != nil {
		return nil, fmt.Errorf("broker %s: %w", c.URL, err)
	}
	return conn, nil
}

// credentials reads the user and password from the file or the
// environment ("" when neither gives them).
func (c Config) credentials() (string, string, error) {
	if c.Credentials == "" {
		user, pass := os.Getenv(EnvUser), os.Getenv(EnvPassword)
		if (user == "") != (pass == "") {
			return "", "", fmt.Errorf("broker credentials: set both $%s and $%s, or neither", EnvUser, EnvPassword)
		}
		return user, pass, nil
	}
	f, err := limits.OpenRegular(c.Credentials)
	if err != nil {
		return "", "", fmt.Errorf("broker credentials: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", "", fmt.Errorf("broker credentials %s: readable by others (mode %v): chmod 600 it", c.Credentials, st.Mode().Perm())
	}
	line, err := bufio.NewReaderSize(f, 1024).ReadString('\n')
	if err != nil && line == "" {
		return "", "", fmt.Errorf("broker credentials %s: empty", c.Credentials)
	}
	user, pass, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":")
	if !ok || user == "" {
		return "", "", fmt.Errorf("broker credentials %s: want USER:PASSWORD on the first line", c.Credentials)
	}
	return user, pass, nil
}

// tlsConfig trusts the system's authorities, or CA's.
func (c Config) tlsConfig(host string) (*tls.Config, error) {
	t := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if c.CA == "" {
		return t, nil
	}
	pem, err := os.ReadFile(c.CA)
	if err != nil {
		return nil, fmt.Errorf("--ca: %w", err)
	}
	t.RootCAs = x509.NewCertPool()
	if !t.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca %s: no PEM certificate in it", c.CA)
	}
	return t, nil
}

// Channel opens a channel on conn in confirm mode (PublishJob and
// DeadLetter wait for the broker's confirms) and declares the queues and
// exchanges on it.
func Channel(conn *amqp.Connection) (*amqp.Channel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		return nil, err
	}
	if err := Declare(ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// Declare declares the queues and exchanges (idempotent).
func Declare(ch *amqp.Channel) error {
	if err := ch.ExchangeDeclare(DeadExchange, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(DeadQueue, true, false, false, false, nil); err != nil {
		return err
	}
	if err := ch.QueueBind(DeadQueue, "", DeadExchange, false, nil); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(JobQueue, true, false, false, false, amqp.Table{
		"x-max-priority":         int32(len(workmsg.Priorities) - 1),
		"x-dead-letter-exchange": DeadExchange,
	}); err != nil {
		return err
	}
	return ch.ExchangeDeclare(ProgressExchange, amqp.ExchangeTopic, true, false, false, false, nil)
}

// Priority is the broker's message priority of a job's priority: 2 for
// urgent, 1 for normal, 0 for batch.
func Priority(p string) uint8 {
	return uint8(len(workmsg.Priorities) - 1 - slices.Index(workmsg.Priorities, p))
}

// PublishJob publishes a job to JobQueue, persistent and with its
// priority, and waits for the broker to confirm it (ch must be in confirm
// mode). headers may carry AttemptsHeader and ReasonHeader.
func PublishJob(ctx context.Context, ch *amqp.Channel, m workmsg.Message, headers amqp.Table) error {
	return publishJob(ctx, ch, JobQueue, m, headers)
}

// RetryQueue is the name of the delay queue of a retry delay (whole
// milliseconds).
func RetryQueue(delay time.Duration) string {
	return fmt.Sprintf("kidney3d.retry.%dms", delay.Milliseconds())
}

// PublishRetry publishes a failed job to the delay queue of delay,
// declaring it first, so that the broker gives it back to JobQueue, with
// its priority and headers, once delay has passed; it waits for the
// broker's confirm as PublishJob does.
func PublishRetry(ctx context.Context, ch *amqp.Channel, m workmsg.Message, headers amqp.Table, delay time.Duration) error {
	if delay < time.Millisecond {
		return fmt.Errorf("retry delay %s: under a millisecond", delay)
	}
	q := RetryQueue(delay)
	if _, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{
		"x-message-ttl":             delay.Milliseconds(),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": JobQueue,
	}); err != nil {
		return fmt.Errorf("declaring %s: %w", q, err)
	}
	return publishJob(ctx, ch, q, m, headers)
}

// publishJob publishes a job to a queue through the default exchange.
func publishJob(ctx context.Context, ch *amqp.Channel, queue string, m workmsg.Message, headers amqp.Table) error {
	body, err := m.Encode()
	if err != nil {
		return err
	}
	return publishConfirmed(ctx, ch, "", queue, amqp.Publishing{
		ContentType: "application/json", DeliveryMode: amqp.Persistent, Priority: Priority(m.Priority),
		MessageId: m.ID, Timestamp: m.Submitted, Headers: headers, Body: body,
	})
}

// DeadLetter publishes a message to DeadExchange with the reason, and
// waits for the broker to confirm it.
func DeadLetter(ctx context.Context, ch *amqp.Channel, d amqp.Delivery, reason string) error {
	headers := amqp.Table{}
	for k, v := range d.Headers {
		headers[k] = v
	}
	headers[ReasonHeader] = reason
	return publishConfirmed(ctx, ch, DeadExchange, "", amqp.Publishing{
		ContentType: d.ContentType, DeliveryMode: amqp.Persistent, MessageId: d.MessageId,
		Timestamp: d.Timestamp, Headers: headers, Body: d.Body,
	})
}

// errNotConfirmed is a message the broker refused to take.
var errNotConfirmed = errors.New("the broker did not take the message (negative confirm)")

func publishConfirmed(ctx context.Context, ch *amqp.Channel, exchange, key string, p amqp.Publishing) error {
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, p)
	if err != nil {
		return err
	}
	if dc == nil {
		return errors.New("publishing on a channel not in confirm mode")
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errNotConfirmed
	}
	return nil
}

// Event states.
const (
	Submitted = "submitted" // published (written by submit, never sent)
	Started   = "started"
	Progress  = "progress"
	Done      = "done"
	Retry     = "retry" // failed; queued again after a delay
	Dead      = "dead"  // dead-lettered
	Skipped   = "skipped"
	Cancelled = "cancelled" // by its submitter (remote-job.json)
)

// Event is one step of a job, published on ProgressExchange.
type Event struct {
	Job    string `json:"job"`
	Case   string `json:"case"`
	Worker string `json:"worker"`
	State  string `json:"state"`
	Stage  string `json:"stage,omitempty"`
	// StageState is the stage's state in a Progress event (running,
	// done, reused, given, skipped, failed: orchestrate.State).
	StageState string    `json:"stage_state,omitempty"`
	Fraction   float64   `json:"fraction"`
	Error      string    `json:"error,omitempty"`
	Time       time.Time `json:"time"`
	// Submitted is when the job was submitted (its queue wait ends at
	// the Started event).
	Submitted time.Time `json:"submitted,omitzero"`
}

// Final says whether no more events of the job follow.
func (e Event) Final() bool {
	return e.State == Done || e.State == Dead || e.State == Skipped || e.State == Cancelled
}

// PublishEvent publishes an event, routed by its case, without waiting
// (progress is not worth a round trip).
func PublishEvent(ctx context.Context, ch *amqp.Channel, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	key := e.Case
	if key == "" {
		key = "-"
	}
	_, err = ch.PublishWithDeferredConfirmWithContext(ctx, ProgressExchange, key, false, false, amqp.Publishing{
		ContentType: "application/json", Timestamp: e.Time, Body: body,
	})
	return err
}

// Watch follows every progress event from now on: a private queue bound
// to ProgressExchange, gone when ch closes.
func Watch(ch *amqp.Channel) (<-chan Event, error) {
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return nil, err
	}
	if err := ch.QueueBind(q.Name, "#", ProgressExchange, false, nil); err != nil {
		return nil, err
	}
	ds, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		return nil, err
	}
	out := make(chan Event)
	go func() {
		defer close(out)
		for d := range ds {
			var e Event
			if json.Unmarshal(d.Body, &e) == nil {
				out <- e
			}
		}
	}()
	return out, nil
}
