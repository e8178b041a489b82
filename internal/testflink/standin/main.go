// Command flink-standin plays a Flink JobManager, TaskManager or application
// cluster for tests, behind the stand-in distribution's bin/*.sh scripts. It
// reads its configuration the way Flink does ($FLINK_CONF_DIR/config.yaml or
// flink-conf.yaml, then -D overrides), records what it was given, binds the
// ports Flink would bind, and speaks just enough of Flink's behaviour to test
// a scheduler with: TaskManagers register with the JobManager at the address
// they were given, the JobManager serves /overview, /taskmanagers,
// /jobs/overview and DELETE /cluster on its REST port, an application
// cluster runs one job to a final state and exits with Flink's
// ApplicationStatus code.
//
// Keys only the stand-in reads (put them in the configuration):
//
//	standin.record-dir       also write the record to DIR/<role>-<id>.json
//	standin.job.duration     how long the job runs (Go duration; default: until stopped)
//	standin.job.final-state  FINISHED (default), FAILED or CANCELED
//	standin.exit-code        exit at once with this code after recording (crash tests)
//	standin.rest.garbage     true: /jobs/overview answers something that is not JSON
//	standin.job.linger       how long REST still answers after the job ended (default 3s)
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Flink's ApplicationStatus exit codes. A parent sees them modulo 256, as
// wait(2) reports only the low byte: FAILED (1443) arrives as 163.
const (
	exitSucceeded = 0
	exitFailed    = 1443
	exitCanceled  = 0
)

func main() {
	if len(os.Args) < 3 || os.Args[2] != "start-foreground" {
		fmt.Fprintln(os.Stderr, "usage: flink-standin jobmanager|taskmanager|standalone-job start-foreground [-D key=value]... [args]")
		os.Exit(1)
	}
	role := os.Args[1]
	conf, rest, err := loadConfig(os.Args[3:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "flink-standin:", err)
		os.Exit(1)
	}
	record(role, conf, rest)
	if code, ok := conf["standin.exit-code"]; ok {
		n, _ := strconv.Atoi(code)
		os.Exit(n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var code int
	switch role {
	case "jobmanager":
		code = runJobManager(ctx, conf, nil)
	case "standalone-job":
		code = runJobManager(ctx, conf, newJob(conf, rest))
	case "taskmanager":
		code = runTaskManager(ctx, conf)
	default:
		fmt.Fprintln(os.Stderr, "flink-standin: unknown role", role)
		code = 1
	}
	os.Exit(code)
}

// loadConfig reads the configuration file Flink would read and applies the
// -D overrides; the other arguments come back in order.
func loadConfig(args []string) (map[string]string, []string, error) {
	conf := map[string]string{}
	dir := os.Getenv("FLINK_CONF_DIR")
	if dir == "" {
		dir = filepath.Join(os.Getenv("FLINK_HOME"), "conf")
	}
	path := filepath.Join(dir, "config.yaml")
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(dir, "flink-conf.yaml")
	}
	if err := readFlat(path, conf); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-D" && i+1 < len(args):
			i++
			a = "-D" + args[i]
			fallthrough
		case strings.HasPrefix(a, "-D"):
			k, v, _ := strings.Cut(a[2:], "=")
			conf[k] = v
		default:
			rest = append(rest, a)
		}
	}
	return conf, rest, nil
}

// readFlat reads "key: value" lines; quoted values (the task executor
// writes config.yaml with JSON-quoted keys and values) are unquoted.
func readFlat(path string, conf map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		conf[unquote(strings.TrimSpace(k))] = unquote(strings.TrimSpace(v))
	}
	return sc.Err()
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		var out string
		if json.Unmarshal([]byte(s), &out) == nil {
			return out
		}
	}
	return s
}

type recordFile struct {
	Role   string            `json:"role"`
	Args   []string          `json:"args"`
	Rest   []string          `json:"program_args"`
	Config map[string]string `json:"config"`
	Env    map[string]string `json:"env"`
	PID    int               `json:"pid"`
	Usrlib []string          `json:"usrlib"` // what $FLINK_HOME/usrlib holds
}

// record writes what the process was given into $FLINK_LOG_DIR (the sandbox)
// and, if configured, into a shared record directory.
func record(role string, conf map[string]string, rest []string) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "FLINK_") || strings.HasPrefix(k, "MESOS_") || strings.HasPrefix(k, "STANDIN_") {
			env[k] = v
		}
	}
	r := recordFile{Role: role, Args: os.Args[2:], Rest: rest, Config: conf, Env: env, PID: os.Getpid()}
	if entries, err := os.ReadDir(filepath.Join(os.Getenv("FLINK_HOME"), "usrlib")); err == nil {
		for _, e := range entries {
			r.Usrlib = append(r.Usrlib, e.Name())
		}
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	if dir := os.Getenv("FLINK_LOG_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "standin-"+role+".json"), b, 0o644)
	}
	if dir := conf["standin.record-dir"]; dir != "" {
		id := conf["taskmanager.resource-id"]
		if id == "" {
			id = strconv.Itoa(os.Getpid())
		}
		os.WriteFile(filepath.Join(dir, role+"-"+id+".json"), b, 0o644)
	}
}

func listen(host, port string) (net.Listener, error) {
	if host == "" {
		host = "0.0.0.0"
	}
	if port == "" {
		port = "0"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("could not bind %s:%s: %w", host, port, err)
	}
	return l, nil
}

// job is the one job of an application cluster.
type job struct {
	mu       sync.Mutex
	id, name string
	state    string
	start    time.Time
	end      time.Time
	final    string
	duration time.Duration
}

func newJob(conf map[string]string, args []string) *job {
	j := &job{id: "00000000000000000000000000000001", name: "job", state: "RUNNING", start: time.Now(), final: "FINISHED"}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--job-classname", "-j":
			if i+1 < len(args) {
				j.name = args[i+1]
				i++
			}
		case "--job-id", "-jid":
			if i+1 < len(args) {
				j.id = args[i+1]
				i++
			}
		}
	}
	if v := conf["standin.job.final-state"]; v != "" {
		j.final = v
	}
	if v := conf["standin.job.duration"]; v != "" {
		j.duration, _ = time.ParseDuration(v)
	}
	return j
}

func (j *job) snapshot() map[string]any {
	j.mu.Lock()
	defer j.mu.Unlock()
	end := int64(-1)
	if !j.end.IsZero() {
		end = j.end.UnixMilli()
	}
	return map[string]any{"jid": j.id, "name": j.name, "state": j.state, "start-time": j.start.UnixMilli(),
		"end-time": end, "duration": time.Since(j.start).Milliseconds(), "last-modification": time.Now().UnixMilli()}
}

func runJobManager(ctx context.Context, conf map[string]string, j *job) int {
	rpc, err := listen(conf["jobmanager.bind-host"], conf["jobmanager.rpc.port"])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	restL, err := listen(conf["rest.bind-address"], conf["rest.port"])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	blob, err := listen(conf["jobmanager.bind-host"], conf["blob.server.port"])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer blob.Close()
	go func() {
		for {
			c, err := blob.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	var mu sync.Mutex
	tms := map[string]map[string]any{}
	rpcMux := http.NewServeMux()
	rpcMux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) {
		var reg map[string]any
		if json.NewDecoder(r.Body).Decode(&reg) != nil {
			http.Error(w, "bad registration", http.StatusBadRequest)
			return
		}
		id, _ := reg["id"].(string)
		reg["last_heartbeat"] = time.Now().UnixMilli()
		mu.Lock()
		tms[id] = reg
		mu.Unlock()
		fmt.Fprintln(w, "registered")
	})
	exit := make(chan int, 1)
	restMux := http.NewServeMux()
	restMux.HandleFunc("GET /overview", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := len(tms)
		mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"taskmanagers": n, "flink-version": "standin", "slots-total": n})
	})
	restMux.HandleFunc("GET /taskmanagers", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		list := []map[string]any{}
		for _, tm := range tms {
			list = append(list, tm)
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"taskmanagers": list})
	})
	restMux.HandleFunc("GET /jobs/overview", func(w http.ResponseWriter, r *http.Request) {
		if conf["standin.rest.garbage"] == "true" {
			fmt.Fprint(w, "<html>502 Bad Gateway</html>")
			return
		}
		jobs := []map[string]any{}
		if j != nil {
			jobs = append(jobs, j.snapshot())
		}
		json.NewEncoder(w).Encode(map[string]any{"jobs": jobs})
	})
	restMux.HandleFunc("DELETE /cluster", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintln(w, "{}")
		select {
		case exit <- exitSucceeded:
		default:
		}
	})
	go http.Serve(rpc, rpcMux)
	go http.Serve(restL, restMux)

	var finished <-chan time.Time
	if j != nil && j.duration > 0 {
		finished = time.After(j.duration)
	}
	select {
	case <-ctx.Done():
		return 143 // what a JVM reports for SIGTERM
	case code := <-exit:
		time.Sleep(100 * time.Millisecond) // let the REST answer go out
		return code
	case <-finished:
		j.mu.Lock()
		j.state, j.end = j.final, time.Now()
		j.mu.Unlock()
		// An application cluster keeps answering REST for a moment after
		// the job ends, so that clients can read the final state.
		linger := 3 * time.Second
		if v, err := time.ParseDuration(conf["standin.job.linger"]); err == nil {
			linger = v
		}
		time.Sleep(linger)
		switch j.final {
		case "FINISHED":
			return exitSucceeded
		case "CANCELED":
			return exitCanceled
		default:
			return exitFailed
		}
	}
}

func runTaskManager(ctx context.Context, conf map[string]string) int {
	rpc, err := listen(conf["taskmanager.bind-host"], conf["taskmanager.rpc.port"])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer rpc.Close()
	data, err := listen(conf["taskmanager.bind-host"], conf["taskmanager.data.port"])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer data.Close()
	jm := net.JoinHostPort(conf["jobmanager.rpc.address"], conf["jobmanager.rpc.port"])
	reg, _ := json.Marshal(map[string]any{
		"id": conf["taskmanager.resource-id"], "host": conf["taskmanager.host"],
		"rpc_port": conf["taskmanager.rpc.port"], "data_port": conf["taskmanager.data.port"],
		"slots": conf["taskmanager.numberOfTaskSlots"],
	})
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Post("http://"+jm+"/register", "application/json", strings.NewReader(string(reg)))
		if err == nil {
			resp.Body.Close()
		}
		select {
		case <-ctx.Done():
			return 143
		case <-tick.C:
		}
	}
}
