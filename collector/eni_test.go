package collector

import (
	"fmt"
	"strings"
	"testing"
)

// eniWorld is baseWorld where ENI eni-2 carries sg-b and sg-many (which the
// instance attributes do not name), sg-many holding more rules than one
// DescribeSecurityGroupAttribute page, and eni-3 is unknown to ECS.
func eniWorld(rules int) string {
	w := strings.Replace(baseWorld, `  - {NetworkInterfaceId: eni-2, ZoneId: cn-hangzhou-i, VSwitchId: vsw-2, VpcId: vpc-conn, SecurityGroupIds: {SecurityGroupId: [sg-b]}}
  - {NetworkInterfaceId: eni-3, ZoneId: cn-hangzhou-j, VSwitchId: vsw-3, VpcId: vpc-conn, SecurityGroupIds: {SecurityGroupId: [sg-a]}}`,
		`  - {NetworkInterfaceId: eni-2, ZoneId: cn-hangzhou-i, VSwitchId: vsw-2, VpcId: vpc-conn, SecurityGroupIds: {SecurityGroupId: [sg-b, sg-many]}}`, 1)
	var b strings.Builder
	b.WriteString("  - SecurityGroupId: sg-many\n    SecurityGroupType: enterprise\n    VpcId: vpc-conn\n    Permissions:\n      Permission:\n")
	for i := range rules {
		fmt.Fprintf(&b, "        - {Direction: egress, IpProtocol: TCP, PortRange: \"%d/%d\", Policy: accept, Priority: \"5\", DestCidrIp: 10.0.9.9/32}\n", 1000+i, 1000+i)
	}
	return strings.Replace(w, "securityGroups:\n", "securityGroups:\n"+b.String(), 1)
}

func TestCollectENISecurityGroupsPerENI(t *testing.T) {
	e := startWorld(t, eniWorld(1500))
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(connectID))
	if err != nil {
		t.Fatal(err)
	}
	// The ENIs ECS knows, verbatim and in the instance's order.
	var enis []string
	for _, n := range snap.NetworkInterfaces {
		enis = append(enis, fmt.Sprintf("%s@%s%v", n["NetworkInterfaceId"], n["ZoneId"], list(n, "SecurityGroupIds", "SecurityGroupId")))
	}
	if got := strings.Join(enis, " "); got != "eni-1@cn-hangzhou-h[sg-a] eni-2@cn-hangzhou-i[sg-b sg-many]" {
		t.Errorf("networkInterfaces = %s", got)
	}
	// Each group once: those of the ENIs read, plus the attribute's group
	// of the ENI that could not be read (eni-3: sg-a, already listed).
	var ids []string
	perms := map[string]int{}
	for _, g := range snap.ENISecurityGroups {
		id := str(g["SecurityGroupId"])
		ids = append(ids, id)
		perms[id] = len(list(g, "Permissions", "Permission"))
		if _, has := g["NextToken"]; has {
			t.Errorf("%s keeps NextToken", id)
		}
	}
	if got := strings.Join(ids, ","); got != "sg-a,sg-b,sg-many" {
		t.Errorf("eniSecurityGroups = %s", got)
	}
	// Every page of sg-many's rules (1,500 at 1,000 a page).
	if perms["sg-many"] != 1500 || perms["sg-a"] != 2 {
		t.Errorf("permissions per group = %v", perms)
	}
	if n := e.srv.Calls("DescribeSecurityGroupAttribute"); n != 4 {
		t.Errorf("DescribeSecurityGroupAttribute calls = %d, want 4 (sg-a, sg-b, two pages of sg-many)", n)
	}
	if n := e.srv.Calls("DescribeNetworkInterfaces"); n != 1 {
		t.Errorf("DescribeNetworkInterfaces calls = %d, want 1", n)
	}
	ce := errorsOf(snap, "DescribeNetworkInterfaces")
	if len(ce) != 1 || ce[0].Code != "NotFoundNetworkInterface" || !strings.Contains(ce[0].Message, "ENI eni-3 of instance "+connectID) {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	if len(snap.CollectionErrors) != 1 {
		t.Errorf("other collectionErrors: %+v", snap.CollectionErrors)
	}
	mustParse(t, snap)
}

// A failed DescribeNetworkInterfaces still reads the groups the instance
// attributes name (recorded, so MIG009 says it could not check).
func TestCollectENIReadFails(t *testing.T) {
	e := startWorld(t, eniWorld(3))
	api := &stageFailAPI{API: e.staticClient(t, "testid", "testsecret", nil), action: "DescribeNetworkInterfaces"}
	snap, err := collectWith(t, api, testRequest(connectID))
	if err != nil {
		t.Fatal(err)
	}
	if snap.NetworkInterfaces != nil {
		t.Errorf("networkInterfaces = %v", snap.NetworkInterfaces)
	}
	var ids []string
	for _, g := range snap.ENISecurityGroups {
		ids = append(ids, str(g["SecurityGroupId"]))
	}
	if got := strings.Join(ids, ","); got != "sg-a,sg-b" {
		t.Errorf("eniSecurityGroups = %s", got)
	}
	if ce := errorsOf(snap, "DescribeNetworkInterfaces"); len(ce) != 1 || ce[0].Code != "Forbidden.RAM" {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
}
