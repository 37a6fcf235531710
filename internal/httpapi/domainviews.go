package httpapi

import "github.com/slipway-paas/slipway/internal/platform"

// DomainView is the JSON of a custom domain.
type DomainView struct {
	Hostname   string          `json:"hostname"`
	Status     string          `json:"status"`
	Detail     *string         `json:"detail"`
	DNSRecords []DNSRecordView `json:"dns_records"`
	Created    Timestamp       `json:"created"`
}

// DNSRecordView is a DNS record the user must create.
type DNSRecordView struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Domain renders a custom domain of app; appsDomain names the default host
// its DNS record points at until the ingress reported a load balancer.
func Domain(app platform.Application, d platform.Domain, appsDomain string) DomainView {
	v := DomainView{Hostname: d.Hostname, Status: string(d.Status), Detail: d.Detail, Created: Timestamp(d.Created), DNSRecords: []DNSRecordView{}}
	for _, r := range d.DNSRecords(app.DefaultHost(appsDomain)) {
		v.DNSRecords = append(v.DNSRecords, DNSRecordView(r))
	}
	return v
}

// WithWebURL sets the view's web_url: the https URL of the application's
// web process on appsDomain once a release with one is live (null
// otherwise, and without an apps domain).
func (v ApplicationView) WithWebURL(app platform.Application, appsDomain string) ApplicationView {
	v.WebURL = nil
	if u := app.WebURL(appsDomain); u != "" {
		v.WebURL = &u
	}
	return v
}
