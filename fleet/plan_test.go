package fleet

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
)

func TestParsePlanYAMLAndJSON(t *testing.T) {
	want := &Plan{Name: "p", Region: "cn-hangzhou", Migrations: []Entry{
		{Group: "orders", To: []string{"i-a", "i-b"}, Line: 3},
		{Group: "0123456789abcdef0123456789abcdef", Region: "cn-shanghai", To: []string{"i-c"}, Line: 5},
	}}
	yml := "region: cn-hangzhou\nmigrations:\n  - group: orders\n    to: [i-a, i-b]\n  - {group: 0123456789abcdef0123456789abcdef, region: cn-shanghai, to: i-c}\n"
	got, err := ParsePlan("p", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("yaml plan\n got %+v\nwant %+v", got, want)
	}
	js := `{"region": "cn-hangzhou", "migrations": [
{"group": "orders", "to": ["i-a", "i-b"]}, {"to": ["i-c"],
 "group": "0123456789abcdef0123456789abcdef", "region": "cn-shanghai"}]}`
	got, err = ParsePlan("p", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	want.Migrations[0].Line, want.Migrations[1].Line = 2, 2
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json plan\n got %+v\nwant %+v", got, want)
	}
	if got.RegionOf(got.Migrations[1]) != "cn-shanghai" || got.RegionOf(got.Migrations[0]) != "cn-hangzhou" {
		t.Error("RegionOf")
	}
	pairs := got.Pairs()
	wantPairs := []Pair{
		{Region: "cn-hangzhou", Group: "orders", Destination: "i-a"},
		{Region: "cn-hangzhou", Group: "orders", Destination: "i-b", Candidate: true},
		{Region: "cn-shanghai", Group: "0123456789abcdef0123456789abcdef", Destination: "i-c"},
	}
	if !reflect.DeepEqual(pairs, wantPairs) {
		t.Errorf("pairs %+v", pairs)
	}
}

func TestParsePlanErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"", "p: the plan is empty"},
		{"[1]", "p:1: the plan must be an object"},
		{"region: r\nextra: 1\nmigrations: []", `p:2: unknown key "extra" (want region, migrations)`},
		{"region: r\nmigrations: []", "p:2: migrations must be a non-empty list"},
		{"region: r\nmigrations:\n  - 3", "p:3: a migration must be an object"},
		{"region: r\nmigrations:\n  - to: [a]", "p:3: a migration needs group"},
		{"region: r\nmigrations:\n  - group: g\n    to: []", "p:3: group g: to must list at least one destination"},
		{"region: r\nmigrations:\n  - group: g\n    to: [a, a]", "p:4: to: a is listed twice"},
		{"region: r\nmigrations:\n  - group: g\n    to: [\"a b\"]", `p:4: to: "a b" is not an instance ID`},
		{"region: r\nmigrations:\n  - group: g\n    to: [{x: 1}]", "p:4: to: want a string"},
		{"region: r\nmigrations:\n  - group: g\n    to: [a]\n  - group: g\n    to: [b]", "p:5: group g in r is already planned at line 3"},
		{"migrations:\n  - group: g\n    to: [a]", "p:2: group g: no region"},
		{"region: r\nmigrations:\n  - group: ''\n    to: [a]", "p:3: group: must not be empty"},
		{"region: [r\n", "p:1: not YAML or JSON: did not find expected"},
	} {
		_, err := ParsePlan("p", []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
	// The same group in two regions is two entries.
	if _, err := ParsePlan("p", []byte("region: r\nmigrations:\n  - {group: g, to: [a]}\n  - {group: g, to: [a], region: r2}\n")); err != nil {
		t.Errorf("one group name in two regions: %v", err)
	}
}

// Shards partition the plan: every entry in exactly one, whatever the
// plan's order.
func TestShards(t *testing.T) {
	p := &Plan{Region: "r"}
	for i := range 200 {
		p.Migrations = append(p.Migrations, Entry{Group: fmt.Sprintf("g%03d", i), To: []string{"i"}})
	}
	rev := &Plan{Region: "r"}
	for i := len(p.Migrations) - 1; i >= 0; i-- {
		rev.Migrations = append(rev.Migrations, p.Migrations[i])
	}
	seen := map[string]int{}
	for k := 1; k <= 4; k++ {
		part := p.Select(Shard{K: k, N: 4})
		other := rev.Select(Shard{K: k, N: 4})
		if len(part.Migrations) == 0 || len(part.Migrations) != len(other.Migrations) {
			t.Errorf("shard %d/4: %d entries, %d from the reversed plan", k, len(part.Migrations), len(other.Migrations))
		}
		for _, e := range part.Migrations {
			seen[e.Group]++
		}
		for _, e := range other.Migrations {
			if !(Shard{K: k, N: 4}).Take("r", e.Group) {
				t.Errorf("reversed plan: %s in shard %d", e.Group, k)
			}
		}
	}
	for _, e := range p.Migrations {
		if seen[e.Group] != 1 {
			t.Errorf("%s is in %d shards", e.Group, seen[e.Group])
		}
	}
	for _, bad := range []string{"0/3", "4/3", "1", "a/b", "1/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard(" 2/4 "); err != nil || s != (Shard{K: 2, N: 4}) {
		t.Errorf("ParseShard(2/4) = %+v, %v", s, err)
	}
}

func TestSnapshotName(t *testing.T) {
	for _, tc := range []struct {
		p    Pair
		want string
	}{
		{Pair{Region: "cn-hangzhou", Group: "523e8dc7bbe04613b5b1d726c2a7889d", Destination: "apigateway-hz-1"}, "cn-hangzhou_523e8dc7bbe04613b5b1d726c2a7889d_apigateway-hz-1.json"},
		{Pair{Region: "cn-hangzhou", Group: "orders/eu", Destination: "i-1"}, "cn-hangzhou_orders-eu_i-1_"},
	} {
		got := SnapshotName(tc.p)
		if !strings.HasPrefix(got, tc.want) || !strings.HasSuffix(got, ".json") {
			t.Errorf("SnapshotName(%+v) = %q, want %q...", tc.p, got, tc.want)
		}
	}
	a := SnapshotName(Pair{Region: "r", Group: "a/b", Destination: "i"})
	b := SnapshotName(Pair{Region: "r", Group: "a b", Destination: "i"})
	if a == b {
		t.Errorf("two groups share the file name %s", a)
	}
}

func TestProgressLine(t *testing.T) {
	p := NewProgress(func() cloud.SharedStats { return cloud.SharedStats{Sent: 40, Hits: 73, Throttles: 2, RPS: 5} })
	p.start = time.Now().Add(-10 * time.Second)
	p.setTotal(12)
	p.collected.Store(4)
	p.evaluated.Store(3)
	line := p.Line()
	want := "audit: 4/12 pairs collected, 3/12 evaluated, 40 calls (73 answered from earlier reads), 2 throttled, 5 calls/s allowed, ETA "
	if !strings.HasPrefix(line, want) || !strings.HasSuffix(line, "s") {
		t.Errorf("line %q, want %q followed by the time left", line, want)
	}
	p.evaluated.Store(12)
	if strings.Contains(p.Line(), "ETA") {
		t.Errorf("done, still an ETA: %q", p.Line())
	}
}
