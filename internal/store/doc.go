// Package store is Slipway's DynamoDB adapter: one table, single-table
// design, reached through aws-sdk-go-v2. It implements the repository
// interfaces of package platform; nothing outside this package knows a key
// format.
//
// # Items
//
// Every item has the key attributes PK and SK; some have GSI1PK/GSI1SK for
// the one global secondary index GSI1 (projection ALL). An entity's fields
// are kept as one JSON document in the attribute "doc"; only keys, the
// optimistic-locking "version" and "expires_at" (epoch seconds, the table's
// TTL attribute) are top-level attributes.
//
//	item                PK                        SK        GSI1PK                  GSI1SK
//	organization        ORG#<slug>                ORG       ORGS                    <id>
//	project             PROJECT#<id>              PROJECT   PROJECTS#<org_slug>     <id>
//	project slug guard  SLUG#PROJECT#<org>/<prj>  SLUG      APPS#<org>/<prj>        #PROJECT
//	application         APP#<id>                  APP       APPS#<org>/<prj>        APP#<slug>
//	app slug guard      SLUG#APP#<org>/<prj>/<app> SLUG    (app_id, and the application's doc,
//	                                                        version and config_version: its copy)
//	token               TOKEN#<sha256 hex>        TOKEN     PLATFORMTOKENS          <id>   (platform tokens)
//	                                                        TOKENS#<org_slug>       <id>   (organization tokens)
//	token id pointer    TOKENID#<id>              TOKEN
//	idempotency record  IDEMP#<scope and key>     IDEMP
//	installation guard  GHINSTALL#<id>            GHINSTALL
//	installation link   ORG#<slug>                GHINSTALL#<id, 20 digits>
//	webhook delivery    DELIVERY#<guid>           DELIVERY  (event, done, received_at, claimed_at,
//	                                                        expires_at, outcome:<app id> per application)
//	config snapshot     APP#<id>                  CONFIG#<version:010d>     (attribute docz: gzip'd JSON)
//	config history      APP#<id>                  CONFIGLOG#<version:010d>
//	tombstone           APP#<id>                  TOMBSTONE (a deleted application, until its teardown ends)
//	domain guard        DOMAIN#<hostname>         DOMAIN    (app_id: the one application that has the hostname)
//	route-check marker  ROUTECHECK                APP#<id>  (the application has routes to apply or a domain not active)
//
// No item holds an empty map, list or set (the embedded server's rollback of
// a failed transaction loses them): a collection that may be empty is
// absent, or spread over top-level attributes as a delivery's outcomes are.
//
// A token's last use is the top-level attribute last_used (epoch ms), not
// part of its document. Everything an application owns lives in its
// partition APP#<id> (records, and new kinds: config versions, …) so the
// teardown can purge it without knowing the kinds; what lives elsewhere
// (the slug guard, the installation pointer, the domain guards and the
// route-check marker) is deleted with the application in one transaction.
//
// Organizations and projects never change after creation and their slugs are
// immutable, so a slug guard may carry a full copy of its project. An
// application's slug guard carries a copy of the application item that
// every transaction writing the item keeps equal to it (never its index
// keys: the copy is found by key only).
//
// # Access patterns (one DynamoDB request each unless noted)
//
//	create organization      PutItem, attribute_not_exists(PK) (slug uniqueness)
//	get organization by slug GetItem ORG#<slug>
//	list organizations       Query GSI1 ORGS, newest first
//	create project           TransactWriteItems: Put project, Put guard (not exists)
//	get project by id        GetItem PROJECT#<id> (create application)
//	list projects            Query GSI1 PROJECTS#<org>, newest first
//	create application      TransactWriteItems: ConditionCheck project exists, Put guard (not exists), Put application
//	get application by id    GetItem APP#<id> (consistent)
//	get application by slug  GetItem guard (consistent; its copy of the application); a guard
//	                         written before the copies (app_id only): then GetItem application
//	list applications        Query GSI1 APPS#<org>/<prj> (the project guard and every application);
//	                         a missing guard falls back to GetItem guard (404 or a new project)
//	update application       GetItem + TransactWriteItems: Put application with version = :read,
//	                         Put guard (the copy), records, installation pointer changes
//	                         (retried on a lost race)
//	authenticate token       GetItem TOKEN#<hash>
//	create token             TransactWriteItems: Put token, Put id pointer
//	revoke token             GetItem TOKENID#<id> + TransactWriteItems: Delete both
//	link installation        TransactWriteItems: ConditionCheck organization, Put guard (not exists), Put link
//	get installation         GetItem GHINSTALL#<id> (an application's installation check)
//	list installations       Query ORG#<slug> (the organization item and its links, consistent)
//	unlink installation      TransactWriteItems: Delete guard (org_slug matches), Delete link
//	list platform tokens     Query GSI1 PLATFORMTOKENS (slipway bootstrap, the local system's start)
//	replace platform tokens  TransactWriteItems: Put token, Put id pointer (not exists), Delete each old
//	                         token and its pointer (exists) — slipway bootstrap --rotate
//	list tokens              Query GSI1 TOKENS#<org>, newest first
//	record a token's use     UpdateItem SET last_used, condition: older than TokenUseResolution
//	delete application       GetItem + TransactWriteItems: Delete application (version = :read),
//	                         Delete slug guard (app_id = :id), Put tombstone (not exists),
//	                         Delete installation pointer
//	purge application        Query APP#<id> (keys) + TransactWriteItems of up to 100 Deletes
//	list domains             GetItem APP#<id> (the domains are part of the application's document)
//	add / remove a domain    GetItem + TransactWriteItems: Put application (version = :read), Put
//	                         guard (not exists or this application's) / Delete guard (this
//	                         application's), Put / Delete the route-check marker when that changes
//	route checks             Query ROUTECHECK (the scheduled check), then per application GetItem
//	                         (+ the update above when a status changed)
//	idempotency              PutItem claim (not exists or expired), PutItem response, DeleteItem release
//	webhook delivery         PutItem claim (not exists or expired; else GetItem + UpdateItem takeover
//	                         after the lease), UpdateItem outcome, UpdateItem done, UpdateItem release
//	get image / release      GetItem APP#<id> IMAGE#<version> / RELEASE#<version> (consistent; releases,
//	                         rollbacks)
//	current config           Query APP#<id> begins_with CONFIG#, newest first, Limit 1 (consistent)
//	config version           GetItem APP#<id> / CONFIG#<version> (what a release pins)
//	write a config version   TransactWriteItems: Update application (config_version :cur → :next,
//	                         version + 1, so a concurrent whole-item Put of the application
//	                         retries), the same Update of the guard's copy (app_id = :id),
//	                         Put snapshot and Put history (both not exists)
//	config history           Query APP#<id> begins_with CONFIGLOG#, newest first (small items:
//	                         a page never reads the snapshots)
//
// Config snapshots are immutable: each carries every var of its version,
// secret values sealed (platform.Envelope) with the wrapped data keys kept
// once per snapshot. The JSON is gzip-compressed so that the largest
// config the rules allow (500 secrets, 256 KiB, each sealed by a PATCH of
// its own) stays under the 400 KB item limit; a snapshot that would not is
// refused as a validation error.
//
// Records with expires_at in the past are treated as absent: TTL deletes late.
//
// # Pagination
//
// Lists read limit+1 items so has_more is exact. The cursor is the last
// item's key, bound to its list and signed with HMAC-SHA256: a cursor from
// another list, or a tampered one, is a bad_request error.
package store
