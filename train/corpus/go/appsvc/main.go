// appsvc (Go): an application layer that drives one library through many call paths.
// Built once per library with the build tag lib_<name> (jobs_<name>.go holds its jobs).
//
//	app            env: FL_OUT (events file), FL_RELEASE (1|2), FL_SKIP (jobs to skip)
//
// Every error goes through the real sentry-go SDK (Debian golang-github-getsentry-sentry-go-dev);
// its transport writes each event, marshalled exactly as HTTPTransport marshals it
// (json.Marshal(event)), to FL_OUT instead of POSTing it.
package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"
	sentryhttp "github.com/getsentry/sentry-go/http"
)

type job struct {
	name   string
	fn     func(x interface{}) interface{}
	inputs []interface{}
}

// fileTransport implements sentry.Transport.
type fileTransport struct {
	mu    sync.Mutex
	out   *os.File
	trace string
}

func (t *fileTransport) Configure(options sentry.ClientOptions) {}
func (t *fileTransport) Flush(timeout time.Duration) bool   { return true }
func (t *fileTransport) SendEvent(event *sentry.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	body, err := json.Marshal(event)
	if err != nil {
		return
	}
	rec, _ := json.Marshal(map[string]interface{}{"event": json.RawMessage(body), "trace": t.trace})
	t.out.Write(append(rec, '\n'))
}

var transport = &fileTransport{}

// JobError wraps a library failure; sentry-go follows Unwrap for the exception chain.
type JobError struct {
	Job  string
	Item int
	Err  error
}

func (e *JobError) Error() string { return fmt.Sprintf("job %s failed on item %d: %v", e.Job, e.Item, e.Err) }
func (e *JobError) Unwrap() error { return e.Err }

var callJob func(fn func(interface{}) interface{}, x interface{}) interface{}

func timed(fn func(interface{}) interface{}, x interface{}) interface{} {
	result := fn(x)
	return result
}

func init() {
	if os.Getenv("FL_RELEASE") == "2" {
		callJob = func(fn func(interface{}) interface{}, x interface{}) interface{} { return timed(fn, x) }
	} else {
		callJob = func(fn func(interface{}) interface{}, x interface{}) interface{} { return fn(x) }
	}
}

func asError(r interface{}) error {
	if err, ok := r.(error); ok {
		return err
	}
	return fmt.Errorf("%v", r)
}

// plainTrace prints the error chain (pkg/errors values print their stack with %+v) and the
// stack of the reporting goroutine.
func plainTrace(err error) string {
	var sb strings.Builder
	for e, depth := err, 0; e != nil && depth < 10; depth++ {
		if depth > 0 {
			sb.WriteString("\nCaused by: ")
		}
		fmt.Fprintf(&sb, "%+v", e)
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	sb.WriteString("\n\n")
	sb.Write(debug.Stack())
	return sb.String()
}

func report(hub *sentry.Hub, err error) {
	transport.trace = plainTrace(err)
	hub.CaptureException(err)
}

func styleDirect(name string, fn func(interface{}) interface{}, x interface{}, i int) {
	defer func() {
		if r := recover(); r != nil {
			report(sentry.CurrentHub(), asError(r))
		}
	}()
	callJob(fn, x)
}

func styleWrapped(name string, fn func(interface{}) interface{}, x interface{}, i int) {
	runJob := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &JobError{Job: name, Item: i, Err: asError(r)}
			}
		}()
		callJob(fn, x)
		return nil
	}
	if err := runJob(); err != nil {
		report(sentry.CurrentHub(), err)
	}
}

func styleGoroutine(name string, fn func(interface{}) interface{}, x interface{}, i int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hub := sentry.CurrentHub().Clone()
		hub.Scope().SetTag("job", name)
		defer func() {
			if r := recover(); r != nil {
				report(hub, asError(r))
			}
		}()
		callJob(fn, x)
	}()
	wg.Wait()
}

// styleHTTP runs the job inside an HTTP handler behind the SDK's net/http middleware.
var sentryHandler = sentryhttp.New(sentryhttp.Options{Repanic: false, WaitForDelivery: true})

func styleHTTP(name string, fn func(interface{}) interface{}, x interface{}, i int) {
	h := sentryHandler.HandleFunc(func(w http.ResponseWriter, r *http.Request) {
		transport.trace = "panic in handler " + r.URL.Path
		callJob(fn, x)
		fmt.Fprintln(w, "ok")
	})
	req := httptest.NewRequest("GET", fmt.Sprintf("/jobs/%s/%d", name, i), nil)
	h(httptest.NewRecorder(), req)
}

var styles = []func(string, func(interface{}) interface{}, interface{}, int){
	styleDirect, styleDirect, styleWrapped, styleGoroutine, styleHTTP, styleWrapped,
}

func main() {
	f, err := os.OpenFile(os.Getenv("FL_OUT"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	transport.out = f
	release := "2.0.3"
	if os.Getenv("FL_RELEASE") == "2" {
		release = "2.1.0"
	}
	if err := sentry.Init(sentry.ClientOptions{
		Dsn:         "https://0123456789abcdef0123456789abcdef@o1.ingest.example.invalid/45",
		Transport:   transport,
		Release:     "appsvc-go-" + libName + "@" + release,
		Environment: "production",
		ServerName:  "go-worker-4",
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	skip := map[string]bool{}
	for _, s := range strings.Split(os.Getenv("FL_SKIP"), ",") {
		skip[s] = true
	}
	profile := os.Getenv("FL_PROFILE") != ""
	var failing []string
	for _, j := range jobs {
		for i, x := range j.inputs {
			key := fmt.Sprintf("%s#%d", j.name, i)
			if skip[key] {
				continue
			}
			if profile {
				func() {
					defer func() {
						if r := recover(); r != nil {
							failing = append(failing, key)
						}
					}()
					j.fn(x)
				}()
				continue
			}
			h := fnv.New32a()
			h.Write([]byte(fmt.Sprintf("%s/%d", j.name, i)))
			styles[h.Sum32()%uint32(len(styles))](j.name, j.fn, x, i)
		}
	}
	if profile {
		b, _ := json.Marshal(map[string]interface{}{"errors": failing})
		os.WriteFile(os.Getenv("FL_PROFILE"), b, 0o644)
	}
	sentry.Flush(2 * time.Second)
}
