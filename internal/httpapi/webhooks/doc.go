// Package webhooks serves the WebhooksFunction group: POST /webhooks/github.
// A delivery is authenticated by its HMAC signature (fail closed), recorded
// before anything else happens (at most once per X-GitHub-Delivery), and a
// push to an application's auto-deploy branch starts its pipeline exactly
// as Full Deploy does.
package webhooks
