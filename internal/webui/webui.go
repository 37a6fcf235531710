package webui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Prefix is where the dashboard is served.
const Prefix = "/ui/"

// Route is one HTTP route the dashboard answers, in template.yaml's
// syntax. These are not API routes: openapi.yaml does not describe them.
type Route struct{ Method, Path string }

// Routes are the dashboard's routes in the HTTP API (template.yaml's
// UiFunction events).
var Routes = []Route{{"GET", "/ui"}, {"GET", "/ui/{proxy+}"}}

// CSP is the Content-Security-Policy of every answer: the page loads
// only its own scripts, styles and API; nothing inline, nothing framed.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// hashLen is how many hex digits of an asset's SHA-256 its name carries.
const hashLen = 10

// immutable is the Cache-Control of hashed assets.
const immutable = "public, max-age=31536000, immutable"

// pagePattern matches the page routes (see Pages).
var pagePattern = regexp.MustCompile(`^/ui/(?:|sign-in|o/[a-z0-9-]{1,63}(?:/[a-z0-9-]{1,63}(?:/[a-z0-9-]{1,63})?)?)$`)

// Pages describes the page routes the module renders, for the README and
// tests: everything else under /ui/ but the assets is a 404.
const Pages = "/ui/ (organizations), /ui/sign-in, /ui/o/{org} (projects), /ui/o/{org}/{project} (applications), /ui/o/{org}/{project}/{app} (an application)"

type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the dashboard. Build it with New.
type Handler struct {
	index  asset
	assets map[string]asset // by request path, /ui/assets/<hashed name>
	names  map[string]string
}

// New reads index.html and assets/ from files, names every asset after
// its content's hash and rewrites index.html's references to them
// ("/ui/assets/<name>" becomes "/ui/assets/<hashed name>"). A reference
// in index.html to an asset that does not exist is an error.
func New(files fs.FS) (*Handler, error) {
	h := &Handler{assets: map[string]asset{}, names: map[string]string{}}
	err := fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		digest := hex.EncodeToString(sum[:])[:hashLen]
		dir, base := path.Split(p)
		name, rest, _ := strings.Cut(base, ".")
		hashed := Prefix + dir + name + "." + digest + "." + rest
		h.names[Prefix+p] = hashed
		h.assets[hashed] = asset{body: body, contentType: contentType(base), etag: strconv.Quote(digest)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webui: reading the assets: %w", err)
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("webui: %w", err)
	}
	// Longest first, so that no name is rewritten inside a longer one.
	plain := make([]string, 0, len(h.names))
	for p := range h.names {
		plain = append(plain, p)
	}
	sort.Slice(plain, func(i, j int) bool { return len(plain[i]) > len(plain[j]) })
	for _, p := range plain {
		index = bytes.ReplaceAll(index, []byte(`"`+p+`"`), []byte(`"`+h.names[p]+`"`))
	}
	for _, ref := range regexp.MustCompile(`"(/ui/assets/[^"]+)"`).FindAllSubmatch(index, -1) {
		if _, ok := h.assets[string(ref[1])]; !ok {
			return nil, fmt.Errorf("webui: index.html names %s, which is not an asset", ref[1])
		}
	}
	sum := sha256.Sum256(index)
	h.index = asset{body: index, contentType: "text/html; charset=utf-8", etag: strconv.Quote(hex.EncodeToString(sum[:])[:hashLen])}
	return h, nil
}

// MustNew is New for files known to be good (the embedded ones, which a
// test checks): it panics on an error.
func MustNew(files fs.FS) *Handler {
	h, err := New(files)
	if err != nil {
		panic(err)
	}
	return h
}

// AssetPath is the hashed request path of an asset ("assets/app.js"), or
// "" when there is no such asset.
func (h *Handler) AssetPath(name string) string { return h.names[Prefix+name] }

// ServeHTTP answers the dashboard's routes (see the package comment).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", CSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	p := r.URL.Path
	switch {
	case p == strings.TrimSuffix(Prefix, "/"):
		hdr.Set("Cache-Control", "no-cache")
		http.Redirect(w, r, Prefix, http.StatusPermanentRedirect)
	case strings.HasPrefix(p, Prefix+"assets/"):
		a, ok := h.assets[p]
		if !ok {
			plain(w, http.StatusNotFound, "no such asset")
			return
		}
		hdr.Set("Cache-Control", immutable)
		serve(w, r, a)
	case pagePattern.MatchString(p):
		hdr.Set("Cache-Control", "no-cache")
		serve(w, r, h.index)
	default:
		plain(w, http.StatusNotFound, "no such page")
	}
}

// serve writes a with its type and ETag, or a 304 for a matching
// If-None-Match.
func serve(w http.ResponseWriter, r *http.Request, a asset) {
	hdr := w.Header()
	hdr.Set("ETag", a.etag)
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(a.body)
	}
}

// etagMatches reports whether an If-None-Match list names etag.
func etagMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
		if e == etag || e == "*" {
			return true
		}
	}
	return false
}

// plain answers a short text error, never cached.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}

// contentType is the media type of an asset by its extension.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
