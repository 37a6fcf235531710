package webui_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/slipway-paas/slipway/internal/webui"
	"github.com/slipway-paas/slipway/web"
)

func get(t *testing.T, h http.Handler, method, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestEmbedded: the embedded files make a handler, and index.html names
// every asset it loads by its hashed path.
func TestEmbedded(t *testing.T) {
	h, err := webui.New(web.Files)
	if err != nil {
		t.Fatal(err)
	}
	index := get(t, h, "GET", "/ui/").Body.String()
	for _, name := range []string{"assets/app.js", "assets/app.css", "assets/vendor/uPlot.iife.min.js", "assets/vendor/uPlot.min.css"} {
		hashed := h.AssetPath(name)
		if !regexp.MustCompile(`^/ui/assets/.*\.[0-9a-f]{10}\.`).MatchString(hashed) {
			t.Errorf("%s: hashed path %q", name, hashed)
		}
		if !strings.Contains(index, `"`+hashed+`"`) {
			t.Errorf("index.html does not load %s as %s", name, hashed)
		}
		if strings.Contains(index, `"/ui/`+name+`"`) {
			t.Errorf("index.html still names %s unhashed", name)
		}
	}
	// No inline script or style: the CSP would block it.
	if regexp.MustCompile(`<script(?:\s+[a-z]+(?:="[^"]*")?)*\s*>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(index) {
		t.Errorf("index.html has inline script or style:\n%s", index)
	}
}

func TestAnswers(t *testing.T) {
	files := fstest.MapFS{
		"index.html":              {Data: []byte(`<script type="module" src="/ui/assets/app.js"></script><link href="/ui/assets/vendor/x.min.css">`)},
		"assets/app.js":           {Data: []byte("console.log(1)")},
		"assets/vendor/x.min.css": {Data: []byte("a{}")},
	}
	h, err := webui.New(files)
	if err != nil {
		t.Fatal(err)
	}
	js, css := h.AssetPath("assets/app.js"), h.AssetPath("assets/vendor/x.min.css")
	if !regexp.MustCompile(`^/ui/assets/vendor/x\.[0-9a-f]{10}\.min\.css$`).MatchString(css) {
		t.Fatalf("css path %q", css)
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		cache, ctype, body string
		hdr                []string
	}{
		{name: "index", method: "GET", path: "/ui/", status: 200, cache: "no-cache", ctype: "text/html; charset=utf-8", body: `src="` + js + `"`},
		{name: "sign-in page", method: "GET", path: "/ui/sign-in", status: 200, cache: "no-cache", ctype: "text/html; charset=utf-8"},
		{name: "organization page", method: "GET", path: "/ui/o/demo", status: 200, cache: "no-cache"},
		{name: "project page", method: "GET", path: "/ui/o/demo/web", status: 200, cache: "no-cache"},
		{name: "application page", method: "GET", path: "/ui/o/demo/web/api", status: 200, cache: "no-cache"},
		{name: "HEAD of a page", method: "HEAD", path: "/ui/o/demo", status: 200, cache: "no-cache"},
		{name: "hashed module", method: "GET", path: js, status: 200, cache: "public, max-age=31536000, immutable", ctype: "text/javascript; charset=utf-8", body: "console.log(1)"},
		{name: "hashed style", method: "GET", path: css, status: 200, cache: "public, max-age=31536000, immutable", ctype: "text/css; charset=utf-8", body: "a{}"},
		{name: "unhashed asset", method: "GET", path: "/ui/assets/app.js", status: 404, cache: "no-store"},
		{name: "stale hash", method: "GET", path: "/ui/assets/app.0123456789.js", status: 404, cache: "no-store"},
		{name: "unknown asset", method: "GET", path: "/ui/assets/nope.css", status: 404, cache: "no-store"},
		{name: "not a page: too deep", method: "GET", path: "/ui/o/a/b/c/d", status: 404},
		{name: "not a page: unknown", method: "GET", path: "/ui/favicon.ico", status: 404},
		{name: "not a page: bad slug", method: "GET", path: "/ui/o/Demo", status: 404},
		{name: "not a page: index.html", method: "GET", path: "/ui/index.html", status: 404},
		{name: "bare prefix", method: "GET", path: "/ui", status: 308},
		{name: "POST", method: "POST", path: "/ui/", status: 405},
		{name: "revalidated index", method: "GET", path: "/ui/", status: 304, hdr: []string{"If-None-Match", "*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.method, tc.path, tc.hdr...)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			hd := rec.Header()
			if got := hd.Get("Content-Security-Policy"); got != webui.CSP || !strings.Contains(got, "default-src 'self'") || strings.Contains(got, "unsafe") {
				t.Errorf("CSP %q", got)
			}
			if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if tc.cache != "" && hd.Get("Cache-Control") != tc.cache {
				t.Errorf("Cache-Control %q, want %q", hd.Get("Cache-Control"), tc.cache)
			}
			if tc.ctype != "" && hd.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", hd.Get("Content-Type"), tc.ctype)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tc.body)
			}
			if tc.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD has a body")
			}
			switch tc.status {
			case 405:
				if hd.Get("Allow") != "GET, HEAD" {
					t.Errorf("Allow %q", hd.Get("Allow"))
				}
			case 308:
				if hd.Get("Location") != "/ui/" {
					t.Errorf("Location %q", hd.Get("Location"))
				}
			}
		})
	}
}

// A new content is a new name: browsers never see a stale cached asset.
func TestHashFollowsContent(t *testing.T) {
	mk := func(js string) string {
		h, err := webui.New(fstest.MapFS{"index.html": {Data: []byte(`"/ui/assets/app.js"`)}, "assets/app.js": {Data: []byte(js)}})
		if err != nil {
			t.Fatal(err)
		}
		return h.AssetPath("assets/app.js")
	}
	if a, b := mk("1"), mk("2"); a == b {
		t.Errorf("two contents, one name %s", a)
	}
}

func TestIndexNamingAMissingAsset(t *testing.T) {
	_, err := webui.New(fstest.MapFS{"index.html": {Data: []byte(`<script src="/ui/assets/gone.js"></script>`)}, "assets/app.js": {Data: []byte("1")}})
	if err == nil || !strings.Contains(err.Error(), "/ui/assets/gone.js") {
		t.Errorf("err = %v, want one naming /ui/assets/gone.js", err)
	}
}
