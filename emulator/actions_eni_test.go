package emulator

import (
	"fmt"
	"strings"
	"testing"
)

const eniWorld = `
networkInterfaces:
  - NetworkInterfaceId: eni-h
    ZoneId: cn-hangzhou-h
    VSwitchId: vsw-h
    VpcId: vpc-bp1x
    SecurityGroupIds: {SecurityGroupId: [sg-bp1aaa]}
  - NetworkInterfaceId: eni-j
    ZoneId: cn-hangzhou-j
    VSwitchId: vsw-j
    VpcId: vpc-bp1x
    SecurityGroupIds: {SecurityGroupId: [sg-bp1aaa, sg-bp1bbb]}
  - NetworkInterfaceId: eni-sh
    RegionId: cn-shanghai
    SecurityGroupIds: {SecurityGroupId: [sg-sh]}
`

func TestDescribeNetworkInterfaces(t *testing.T) {
	w, err := ParseWorld([]byte(testWorldYAML+eniWorld), "eni.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := startWorld(t, w)
	ids := func(body map[string]any) string {
		sets, _ := body["NetworkInterfaceSets"].(map[string]any)
		list, _ := sets["NetworkInterfaceSet"].([]any)
		var out []string
		for _, it := range list {
			m := it.(map[string]any)
			out = append(out, fmt.Sprintf("%s%v", m["NetworkInterfaceId"], m["SecurityGroupIds"].(map[string]any)["SecurityGroupId"]))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		name   string
		params map[string]string
		want   string
		total  float64
	}{
		{"by id", map[string]string{"NetworkInterfaceId.1": "eni-j"}, "eni-j[sg-bp1aaa sg-bp1bbb]", 1},
		{"two ids", map[string]string{"NetworkInterfaceId.1": "eni-j", "NetworkInterfaceId.2": "eni-h"}, "eni-h[sg-bp1aaa] eni-j[sg-bp1aaa sg-bp1bbb]", 2},
		{"region", map[string]string{}, "eni-h[sg-bp1aaa] eni-j[sg-bp1aaa sg-bp1bbb]", 2},
		{"by security group", map[string]string{"SecurityGroupId": "sg-bp1bbb"}, "eni-j[sg-bp1aaa sg-bp1bbb]", 1},
		{"paged", map[string]string{"PageSize": "1", "PageNumber": "2"}, "eni-j[sg-bp1aaa sg-bp1bbb]", 2},
		{"unknown id", map[string]string{"NetworkInterfaceId.1": "eni-none"}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]string{"Action": "DescribeNetworkInterfaces", "Version": ECSVersion}
			for k, v := range tc.params {
				p[k] = v
			}
			status, body := rawCall(t, ts, "POST", "testsecret", p)
			if status != 200 || ids(body) != tc.want || body["TotalCount"] != tc.total {
				t.Errorf("status %d, ENIs %q (TotalCount %v), want %q (%v): %v", status, ids(body), body["TotalCount"], tc.want, tc.total, body)
			}
		})
	}
	status, body := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeNetworkInterfaces", "Version": ECSVersion, "NetworkInterfaceId.101": "eni-h"})
	if status != 400 || body["Code"] != "InvalidParameter" {
		t.Errorf("NetworkInterfaceId.101: %d %v", status, body)
	}
}

func TestSecurityGroupRulesArePaged(t *testing.T) {
	var b strings.Builder
	b.WriteString(testWorldYAML[:strings.Index(testWorldYAML, "securityGroups:")])
	b.WriteString("securityGroups:\n  - SecurityGroupId: sg-many\n    RegionId: cn-hangzhou\n    Permissions:\n      Permission:\n")
	for i := range 25 {
		fmt.Fprintf(&b, "        - {Direction: egress, IpProtocol: TCP, PortRange: %d/%d, Policy: accept, Priority: \"1\", DestCidrIp: 10.0.0.0/8}\n", 1000+i, 1000+i)
	}
	b.WriteString(testWorldYAML[strings.Index(testWorldYAML, "migrations:"):])
	w, err := ParseWorld([]byte(b.String()), "paged.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := startWorld(t, w)
	var ports []string
	token, pages := "", 0
	for {
		p := map[string]string{"Action": "DescribeSecurityGroupAttribute", "Version": ECSVersion, "SecurityGroupId": "sg-many", "MaxResults": "10"}
		if token != "" {
			p["NextToken"] = token
		}
		status, body := rawCall(t, ts, "POST", "testsecret", p)
		if status != 200 {
			t.Fatalf("page %d: %d %v", pages+1, status, body)
		}
		pages++
		for _, it := range body["Permissions"].(map[string]any)["Permission"].([]any) {
			ports = append(ports, it.(map[string]any)["PortRange"].(string))
		}
		token, _ = body["NextToken"].(string)
		if token == "" || pages > 5 {
			break
		}
	}
	if pages != 3 || len(ports) != 25 || ports[0] != "1000/1000" || ports[24] != "1024/1024" {
		t.Errorf("%d pages, %d rules (%v)", pages, len(ports), ports)
	}
	// Without MaxResults one page holds up to 500.
	status, body := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeSecurityGroupAttribute", "Version": ECSVersion, "SecurityGroupId": "sg-many"})
	if status != 200 || len(body["Permissions"].(map[string]any)["Permission"].([]any)) != 25 || body["NextToken"] != "" {
		t.Errorf("default page: %d %v", status, body)
	}
	for _, bad := range []map[string]string{{"MaxResults": "5"}, {"MaxResults": "1001"}, {"NextToken": "garbage"}} {
		p := map[string]string{"Action": "DescribeSecurityGroupAttribute", "Version": ECSVersion, "SecurityGroupId": "sg-many"}
		for k, v := range bad {
			p[k] = v
		}
		if status, body := rawCall(t, ts, "POST", "testsecret", p); status != 400 {
			t.Errorf("%v: %d %v", bad, status, body)
		}
	}
}
