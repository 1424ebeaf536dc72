package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browserTestEnv, set to 1 (as CI does), makes a missing browser a failure
// instead of a skip.
const browserTestEnv = "APIGW_BROWSER_TEST"

// findChromium returns the path of a Chromium (or Chrome) binary.
func findChromium() (string, bool) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// TestHTMLInBrowser opens the fleet report from disk in headless Chromium
// with the network cut off and checks the page as rendered: the matrix, the
// verdicts of its cells, sorting, filtering, a cell's link opening its
// findings, the page without JavaScript, and a screenshot that is not blank.
// One browser serves every subtest, each in its own tab.
func TestHTMLInBrowser(t *testing.T) {
	bin, ok := findChromium()
	if !ok {
		if os.Getenv(browserTestEnv) == "1" {
			t.Fatalf("%s=1 but no chromium binary on PATH: install it (apt-get install -y chromium)", browserTestEnv)
		}
		t.Skipf("no chromium binary on PATH: the browser test is skipped (apt-get install -y chromium to run it; %s=1 makes this a failure)", browserTestEnv)
	}
	r := fleetResult()
	file := filepath.Join(t.TempDir(), "fleet report.html")
	if err := os.WriteFile(file, render(t, "html", Options{}, r), 0o644); err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: file}).String()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
		// No network: names resolve nowhere and every connection goes to a
		// closed loopback port. The tabs also record any request that is
		// not for a file.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}

	// open loads the report in a new tab, with scripts on or off, and fails
	// the test if the page asked for anything but files.
	open := func(t *testing.T, scripts bool) context.Context {
		t.Helper()
		tab, cancelTab := chromedp.NewContext(browser)
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		var mu sync.Mutex
		var requests []string
		if err := chromedp.Listen(tab, func(ev any) {
			if e, ok := ev.(*network.EventRequestWillBeSent); ok {
				mu.Lock()
				requests = append(requests, e.Request.URL)
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			for _, u := range requests {
				if !strings.HasPrefix(u, "file://") {
					t.Errorf("the page requested %s", u)
				}
			}
			cancel()
			cancelTab()
		})
		if !scripts {
			if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#matrix"))); err != nil {
			t.Fatalf("open %s: %v", page, err)
		}
		return ctx
	}
	eval := func(t *testing.T, ctx context.Context, js string, out any) {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("evaluate %s: %v (%s)", js, err, raw)
		}
	}
	// visibleOrder is the data-order of the matrix rows shown, top to bottom.
	visibleOrder := func(t *testing.T, ctx context.Context) []string {
		var got []string
		eval(t, ctx, `Array.from(document.querySelectorAll("#matrix tbody tr")).filter(r => r.getBoundingClientRect().height > 0).map(r => r.dataset.order)`, &got)
		return got
	}
	ps := r.Placements()
	allRows := make([]string, len(ps))
	for i := range ps {
		allRows[i] = fmt.Sprint(i)
	}

	t.Run("matrix", func(t *testing.T) {
		ctx := open(t, true)
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, allRows) {
			t.Fatalf("rows shown %v, want %v", got, allRows)
		}
		// Per row, the cells as rendered: class, word, planned and
		// recommended marks.
		var cells [][]struct {
			Class, Word, Href    string
			Planned, Recommended bool
		}
		eval(t, ctx, `Array.from(document.querySelectorAll("#matrix tbody tr")).map(r =>
			Array.from(r.querySelectorAll("td.cell")).map(c => ({
				Class: c.className, Word: c.querySelector(".word").innerText.trim(),
				Href: c.querySelector("a").getAttribute("href"),
				Planned: c.innerText.includes("planned"), Recommended: c.innerText.includes("recommended")})))`, &cells)
		if len(cells) != len(ps) {
			t.Fatalf("%d rows of cells, want %d", len(cells), len(ps))
		}
		for i, p := range ps {
			if len(cells[i]) != len(p.Candidates) {
				t.Fatalf("row %d: %d cells, want %d", i, len(cells[i]), len(p.Candidates))
			}
			for _, c := range p.Candidates {
				j := slices.IndexFunc(cells[i], func(x struct {
					Class, Word, Href    string
					Planned, Recommended bool
				}) bool {
					return x.Href == "#"+htmlAnchor(c.Migration)
				})
				if j < 0 {
					t.Fatalf("row %d: no cell for migration %d", i, c.Migration)
				}
				got := cells[i][j]
				// The word is rendered upper case by the style sheet.
				if got.Class != "cell v-"+string(c.Readiness) || !strings.EqualFold(got.Word, c.Readiness.Label()) {
					t.Errorf("row %d %s: class %q word %q, want %s", i, c.Destination, got.Class, got.Word, c.Readiness)
				}
				if got.Planned != (c.Destination == p.Planned) || got.Recommended != (c.Destination == p.Recommended) {
					t.Errorf("row %d %s: planned %v recommended %v", i, c.Destination, got.Planned, got.Recommended)
				}
			}
		}
		// The colours differ by readiness.
		var colours map[string]string
		eval(t, ctx, `Object.fromEntries(["ready","conditional","blocked","undecided"].map(v =>
			[v, getComputedStyle(document.querySelector("#matrix td.cell.v-" + v)).backgroundImage + getComputedStyle(document.querySelector("#matrix td.cell.v-" + v)).backgroundColor]))`, &colours)
		seen := map[string]bool{}
		for _, c := range colours {
			seen[c] = true
		}
		if len(colours) != 4 || len(seen) != 4 {
			t.Errorf("cell backgrounds by readiness: %v", colours)
		}
	})

	t.Run("sort", func(t *testing.T) {
		ctx := open(t, true)
		byRank := slices.Clone(allRows)
		slices.SortStableFunc(byRank, func(a, b string) int {
			var i, j int
			fmt.Sscan(a, &i)
			fmt.Sscan(b, &j)
			return readinessRank(groupReadiness(ps[i])) - readinessRank(groupReadiness(ps[j]))
		})
		planned := chromedp.CSS("#matrix thead th:nth-child(3) button")
		if err := chromedp.Do(ctx, chromedp.Click(planned)); err != nil {
			t.Fatal(err)
		}
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, byRank) {
			t.Errorf("sorted by planned readiness: %v, want %v", got, byRank)
		}
		if err := chromedp.Do(ctx, chromedp.Click(planned)); err != nil {
			t.Fatal(err)
		}
		desc := slices.Clone(allRows)
		slices.SortStableFunc(desc, func(a, b string) int {
			var i, j int
			fmt.Sscan(a, &i)
			fmt.Sscan(b, &j)
			return readinessRank(groupReadiness(ps[j])) - readinessRank(groupReadiness(ps[i]))
		})
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, desc) {
			t.Errorf("sorted again, descending: %v, want %v", got, desc)
		}
		var sortState string
		eval(t, ctx, `document.querySelector("#matrix thead th:nth-child(3)").getAttribute("aria-sort")`, &sortState)
		if sortState != "descending" {
			t.Errorf("aria-sort = %q", sortState)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#matrix thead th:nth-child(1) button"))); err != nil {
			t.Fatal(err)
		}
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, allRows) {
			t.Errorf("sorted by #: %v, want %v", got, allRows)
		}
	})

	t.Run("filter", func(t *testing.T) {
		ctx := open(t, true)
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#filter-text"), "INVEN")); err != nil {
			t.Fatal(err)
		}
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, []string{"2"}) {
			t.Errorf("filtered by text: rows %v, want [2] (inventory)", got)
		}
		var count string
		eval(t, ctx, `document.getElementById("filter-count").innerText`, &count)
		if count != fmt.Sprintf("1 of %d groups shown", len(ps)) {
			t.Errorf("filter count %q", count)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
			const q = document.getElementById("filter-text"); q.value = ""; q.dispatchEvent(new Event("input"));
			const s = document.getElementById("filter-readiness"); s.value = "blocked"; s.dispatchEvent(new Event("change"));
		})()`)); err != nil {
			t.Fatal(err)
		}
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, []string{"1"}) {
			t.Errorf("filtered by blocked: rows %v, want [1] (payments)", got)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
			const s = document.getElementById("filter-readiness"); s.value = "none"; s.dispatchEvent(new Event("change"));
		})()`)); err != nil {
			t.Fatal(err)
		}
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, []string{"3"}) {
			t.Errorf("filtered by no destination passes: rows %v, want [3] (search)", got)
		}
	})

	t.Run("cell opens its findings", func(t *testing.T) {
		ctx := open(t, true)
		var before bool
		eval(t, ctx, `document.getElementById("m3").open`, &before)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#matrix a[href="#m3"]`))); err != nil {
			t.Fatal(err)
		}
		// The script opens the block on hashchange, a task of its own:
		// wait for it (at most 10 seconds), then read.
		after, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(done => {
			const start = Date.now();
			(function check() {
				const d = document.getElementById("m3");
				if (d.open || Date.now() - start > 10000) { done(d.open); } else { setTimeout(check, 20); }
			})();
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		var hash string
		eval(t, ctx, `location.hash`, &hash)
		if hash != "#m3" {
			t.Errorf("after the click the location's hash is %q, want #m3", hash)
		}
		var text string
		eval(t, ctx, `document.getElementById("m3").innerText`, &text)
		if before || !after {
			t.Errorf("details #m3 open before %v after the click %v", before, after)
		}
		if f := r.Migrations[2].Findings[0]; !strings.Contains(text, f.Message) || !strings.Contains(text, f.Remediation) {
			t.Errorf("opened block lacks the finding and its fix:\n%s", text)
		}
	})

	t.Run("without JavaScript", func(t *testing.T) {
		ctx := open(t, false)
		if got := visibleOrder(t, ctx); !reflect.DeepEqual(got, allRows) {
			t.Fatalf("rows shown %v, want %v", got, allRows)
		}
		var state struct {
			Buttons  int
			Controls bool
			Words    []string
			Details  int
		}
		eval(t, ctx, `({Buttons: document.querySelectorAll("th button").length,
			Controls: document.getElementById("controls").getBoundingClientRect().height > 0,
			Words: Array.from(document.querySelectorAll("#matrix td.cell .word")).map(w => w.innerText.trim().toLowerCase()),
			Details: document.querySelectorAll("details.migration").length})`, &state)
		if state.Buttons != 0 || state.Controls {
			t.Errorf("scripts ran: %d sort buttons, controls shown %v", state.Buttons, state.Controls)
		}
		var want []string
		for _, p := range ps {
			for _, c := range p.Candidates {
				want = append(want, c.Readiness.Label())
			}
		}
		if !reflect.DeepEqual(sorted(state.Words), sorted(want)) || state.Details != len(r.Migrations) {
			t.Errorf("page without scripts: words %v (want %v), %d details", state.Words, sorted(want), state.Details)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		ctx := open(t, true)
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatalf("screenshot is not a PNG: %v", err)
		}
		b := img.Bounds()
		if b.Dx() < 800 || b.Dy() < 600 {
			t.Fatalf("screenshot is %dx%d", b.Dx(), b.Dy())
		}
		var n, sum, sumSq float64
		colours := map[[3]uint32]bool{}
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				l := (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
				n++
				sum += l
				sumSq += l * l
				colours[[3]uint32{cr >> 12, cg >> 12, cb >> 12}] = true
			}
		}
		mean := sum / n
		variance := sumSq/n - mean*mean
		// A blank page has variance 0 and one colour; text on white and the
		// coloured cells give hundreds.
		if variance < 100 || len(colours) < 8 {
			t.Errorf("screenshot looks blank: luminance variance %.1f, %d colours", variance, len(colours))
		}
		if testing.Verbose() {
			t.Logf("screenshot %dx%d: luminance mean %.1f variance %.1f, %d colours", b.Dx(), b.Dy(), mean, variance, len(colours))
		}
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
