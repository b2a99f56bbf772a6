/* Verifying a bundle's records: documents against their digests, receipts against the
 * checkpoint (contiguous, each with an inclusion proof), decisions against their receipts'
 * record digests (and, asked, replayed), timeline events against the receipts, incidents
 * against the tenant, and the redaction log's shape. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "evidence_replay.h"
#include "evidence_verify.h"
#include "merkle.h"

/* ---- JSON Lines ---- */

struct lines {
	const char *p, *end;
	int no;
	int member;
};

static struct lines lines_of(const struct verify *v, int member)
{
	return (struct lines){v->m[member].data, v->m[member].data + v->m[member].len, 0, member};
}

/* The next line as a JSON object (caller frees) and its exact bytes; NULL at the end, or with
 * err set when a line is not one JSON object ending in a newline. */
static cJSON *next_object(struct verify *v, struct lines *l, const char **bytes, size_t *len)
{
	if (l->p >= l->end)
		return NULL;
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	l->no++;
	if (!nl) {
		verify_fail(v, "%s line %d does not end in a newline", verify_name(l->member), l->no);
		return NULL;
	}
	const char *parse_end = NULL;
	cJSON *o = cJSON_ParseWithLengthOpts(l->p, (size_t)(nl - l->p), &parse_end, false);
	if (!cJSON_IsObject(o) || parse_end != nl) {
		cJSON_Delete(o);
		verify_fail(v, "%s line %d is not one JSON object", verify_name(l->member), l->no);
		return NULL;
	}
	if (bytes) {
		*bytes = l->p;
		*len = (size_t)(nl - l->p);
	}
	l->p = nl + 1;
	return o;
}

/* Did next_object stop at the end rather than on an error? */
static int lines_done(const struct verify *v)
{
	return v->err->status ? -1 : 0;
}

static const char *s_of(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static bool in_window(const struct verify *v, const char *at)
{
	int64_t ms;
	return at && kx_time_parse(at, &ms) == 0 && ms >= v->from_ms && ms < v->to_ms;
}

/* The run of receipts overlaps the window: its first is not after it, its last not before.
 * (A receipt at an edge may lie just outside: the window's events point at it.) */
static bool before_end(const struct verify *v, const char *at)
{
	int64_t ms;
	return at && kx_time_parse(at, &ms) == 0 && ms < v->to_ms;
}

static bool after_start(const struct verify *v, const char *at)
{
	int64_t ms;
	return at && kx_time_parse(at, &ms) == 0 && ms >= v->from_ms;
}

/* ---- policy documents ---- */

static int check_profiles(struct verify *v)
{
	struct lines l = lines_of(v, EVIDENCE_PROFILES);
	cJSON *o;
	while ((o = next_object(v, &l, NULL, NULL))) {
		const char *doc = s_of(o, "doc"), *digest = s_of(o, "digest");
		char have[DIGEST_B64_LEN] = "";
		if (doc)
			digest_sha256_b64(doc, strlen(doc), have);
		int rc = 0;
		if (!digest || strcmp(have, digest) != 0)
			rc = verify_fail(v, "profiles.jsonl line %d: the document differs from its digest",
					 l.no);
		else if (replay_add_doc(v->docs, o))
			rc = verify_fail(v, "profiles.jsonl line %d is not a policy document", l.no);
		cJSON_Delete(o);
		if (rc)
			return -1;
		v->rep->profiles++;
	}
	if (lines_done(v))
		return -1;
	verify_passed(v, "policy documents: %" PRIu64 ", each matching its digest", v->rep->profiles);
	return 0;
}

/* ---- receipts and their inclusion proofs ---- */

/* A proof's hashes. Neighbouring receipts' proofs share most of theirs: a hash whose text is
 * the previous proof's at the same place is copied from it, not decoded again. */
static int proof_hashes(struct verify *v, const cJSON *proof, merkle_hash out[MERKLE_MAX_PROOF],
			size_t *n)
{
	const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(proof, "hashes");
	int count = cJSON_GetArraySize(hashes), i = 0;
	if (!cJSON_IsArray(hashes) || count > MERKLE_MAX_PROOF)
		return -1;
	for (const cJSON *h = hashes->child; h; h = h->next, i++) {
		const char *text = cJSON_GetStringValue(h);
		if (text && i < v->prev_n && strcmp(text, v->prev_text[i]) == 0) {
			memcpy(out[i], v->prev_hash[i], MERKLE_HASH_LEN);
			continue;
		}
		if (!text || strlen(text) >= DIGEST_B64_LEN || digest_from_b64(text, out[i])) {
			v->prev_n = 0; /* this proof's texts are not all kept */
			return -1;
		}
		memcpy(v->prev_text[i], text, strlen(text) + 1);
		memcpy(v->prev_hash[i], out[i], MERKLE_HASH_LEN);
	}
	v->prev_n = count;
	*n = (size_t)count;
	return 0;
}

/* One receipt: the leaf's own fields, its place after the one before, its proof. */
static int check_receipt(struct verify *v, const cJSON *r, const char *bytes, size_t len,
			 const cJSON *proof, int no)
{
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, "leaf_index");
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(r, "seq");
	const char *id = s_of(r, "id");
	const char *rd = s_of(cJSON_GetObjectItemCaseSensitive(r, "decision"), "record_digest");
	if (!id || !kx_id_valid(id, "rcp_") || !rd || strlen(rd) >= DIGEST_B64_LEN ||
	    !cJSON_IsNumber(idx) || !cJSON_IsNumber(seq) || idx->valuedouble < 0 ||
	    seq->valuedouble != idx->valuedouble + 1)
		return verify_fail(v, "receipts.jsonl line %d is not a receipt", no);
	const char *tenant = s_of(r, "tenant_id");
	if (!tenant || strcmp(tenant, v->rep->tenant_id) != 0)
		return verify_fail(v, "receipts.jsonl line %d belongs to another tenant", no);
	uint64_t index = (uint64_t)idx->valuedouble;
	if (no > 1 && index != v->rep->receipts) /* rep->receipts: the last index + 1 so far */
		return verify_fail(v, "receipts.jsonl line %d: leaf %" PRIu64 " does not follow leaf %"
				      PRIu64 " (a receipt was dropped, added or moved)",
				   no, index, v->rep->receipts - 1);
	const cJSON *pidx = cJSON_GetObjectItemCaseSensitive(proof, "leaf_index");
	merkle_hash leaf, hashes[MERKLE_MAX_PROOF];
	size_t n = 0;
	if (!cJSON_IsNumber(pidx) || pidx->valuedouble != idx->valuedouble ||
	    proof_hashes(v, proof, hashes, &n))
		return verify_fail(v, "proofs.json: proof %d is not the proof of receipts.jsonl line %d",
				   no - 1, no);
	merkle_leaf_hash(bytes, len, leaf);
	if (index >= v->cp.size ||
	    merkle_verify_inclusion_memo(&v->incl, leaf, index, v->cp.size, hashes, n,
					 v->cp.root) != 0)
		return verify_fail(v, "receipts.jsonl line %d (%s): its inclusion proof does not verify "
				      "against the checkpoint", no, id);
	struct verify_receipt *vr = &v->receipts[v->n_receipts++];
	snprintf(vr->id, sizeof vr->id, "%s", id);
	snprintf(vr->record_digest, sizeof vr->record_digest, "%s", rd);
	v->rep->receipts = index + 1;
	return 0;
}

/* proofs.json, {"tree_size":N,"proofs":[P,P,...]} as klaxon writes it (its bytes are fixed:
 * the signed manifest holds their digest), read one proof at a time: each P is parsed by
 * cJSON on its own, so the whole array, two million strings at 100k receipts, is never a
 * tree in memory at once. */
struct proof_reader {
	const char *p, *end;
	int read;       /* proofs handed out */
	bool closed;    /* the array's "]" was reached */
	cJSON *current; /* the last proof handed out */
};

static bool take(struct proof_reader *pr, const char *literal)
{
	size_t n = strlen(literal);
	if ((size_t)(pr->end - pr->p) < n || memcmp(pr->p, literal, n) != 0)
		return false;
	pr->p += n;
	return true;
}

/* The reader at the first proof, with the tree size read: 0, or -1 when the member does not
 * begin as proofs.json does. */
static int proofs_open(struct proof_reader *pr, const struct vmember *m, uint64_t *tree_size)
{
	*pr = (struct proof_reader){m->data, m->data + m->len, 0, false, NULL};
	const char *end = NULL;
	if (!take(pr, "{\"tree_size\":"))
		return -1;
	cJSON *size = cJSON_ParseWithLengthOpts(pr->p, (size_t)(pr->end - pr->p), &end, false);
	bool ok = cJSON_IsNumber(size) && size->valuedouble >= 0 && size->valuedouble < 0x1p63;
	*tree_size = ok ? (uint64_t)size->valuedouble : 0;
	cJSON_Delete(size);
	if (!ok)
		return -1;
	pr->p = end;
	if (!take(pr, ",\"proofs\":["))
		return -1;
	pr->closed = take(pr, "]");
	return 0;
}

/* The next proof (the reader keeps it until the next call), or NULL after the last one or
 * on malformed text (proofs_close tells which). */
static const cJSON *proofs_next(struct proof_reader *pr)
{
	cJSON_Delete(pr->current);
	pr->current = NULL;
	if (pr->closed || (pr->read > 0 && !take(pr, ",")))
		return NULL;
	const char *end = NULL;
	pr->current = cJSON_ParseWithLengthOpts(pr->p, (size_t)(pr->end - pr->p), &end, false);
	if (!pr->current)
		return NULL;
	pr->p = end;
	pr->read++;
	pr->closed = take(pr, "]");
	return pr->current;
}

/* 0 when the array ended after the last proof handed out and the member ends with it. */
static int proofs_close(struct proof_reader *pr)
{
	cJSON_Delete(pr->current);
	pr->current = NULL;
	if (!pr->closed || !take(pr, "}"))
		return -1;
	take(pr, "\n");
	return pr->p == pr->end ? 0 : -1;
}

static int check_receipts(struct verify *v)
{
	struct proof_reader pr;
	uint64_t tree = 0;
	int rc = 0;
	if (proofs_open(&pr, &v->m[EVIDENCE_PROOFS], &tree) || tree != v->cp.size)
		rc = verify_fail(v, "proofs.json is not proofs against the checkpoint's tree");
	/* A slot per receipts.jsonl line (more than a count of proofs would be never used). */
	const struct vmember *lines_m = &v->m[EVIDENCE_RECEIPTS];
	size_t slots = 1;
	for (const char *p = lines_m->data, *e = p + lines_m->len;
	     p && (p = memchr(p, '\n', (size_t)(e - p))); p++)
		slots++;
	v->receipts = rc == 0 ? calloc(slots, sizeof *v->receipts) : NULL;
	if (rc == 0 && !v->receipts)
		rc = kx_error_set(v->err, 503, "unavailable", NULL, "out of memory");
	struct lines l = lines_of(v, EVIDENCE_RECEIPTS);
	const char *bytes = NULL;
	size_t len = 0;
	cJSON *r, *last = NULL;
	uint64_t first_index = 0;
	while (rc == 0 && (r = next_object(v, &l, &bytes, &len))) {
		const cJSON *proof = proofs_next(&pr);
		if (!proof)
			rc = verify_fail(v, "receipts.jsonl line %d has no proof in proofs.json", l.no);
		else
			rc = check_receipt(v, r, bytes, len, proof, l.no);
		if (l.no == 1)
			first_index = v->rep->receipts - 1;
		cJSON_Delete(last);
		last = r;
		if (rc == 0 && l.no == 1 && !before_end(v, s_of(r, "at")))
			rc = verify_fail(v, "receipts.jsonl line 1 is after the window");
	}
	if (rc == 0 && lines_done(v))
		rc = -1;
	int n = l.no;
	if (rc == 0 && proofs_close(&pr)) {
		int more = pr.read;
		while (!pr.closed && proofs_next(&pr))
			more++;
		rc = pr.closed && more > n
			     ? verify_fail(v, "proofs.json holds %d proofs for %d receipts", more, n)
			     : verify_fail(v, "proofs.json is not proofs against the checkpoint's tree");
	}
	if (rc == 0 && last && !after_start(v, s_of(last, "at")))
		rc = verify_fail(v, "receipts.jsonl line %d is before the window", l.no);
	cJSON_Delete(last);
	cJSON_Delete(pr.current);
	if (rc)
		return -1;
	v->rep->receipts = v->n_receipts;
	if (n > 0)
		verify_passed(v, "receipts: %d, leaves %" PRIu64 "..%" PRIu64 " without a gap, each "
				 "included in the checkpoint's tree", n, first_index,
			      first_index + (uint64_t)n - 1);
	else
		verify_passed(v, "receipts: none in the window");
	return 0;
}

/* ---- decisions ---- */

static void replay_one(struct verify *v, const char *receipt_id, const cJSON *record)
{
	struct kx_bundle_report *rep = v->rep;
	char why[300];
	enum replay_outcome o = replay_decision(v->docs, record, why, sizeof why);
	if (o == REPLAY_SAME)
		rep->replayed++;
	else if (o == REPLAY_TENANCY)
		rep->tenancy++;
	else if (o == REPLAY_DRIFT)
		rep->drift++;
	else
		rep->not_replayable++;
	if ((o == REPLAY_DRIFT || o == REPLAY_NOT_REPLAYABLE) && rep->on_replay)
		rep->on_replay(rep->ctx, receipt_id,
			       o == REPLAY_DRIFT ? "drift" : "not replayable", why);
}

static int check_decision(struct verify *v, const cJSON *d, int no)
{
	const struct verify_receipt *r = (size_t)no <= v->n_receipts ? &v->receipts[no - 1] : NULL;
	const char *id = s_of(d, "receipt_id"), *digest = s_of(d, "record_digest");
	const char *text = s_of(d, "record");
	const cJSON *redacted = cJSON_GetObjectItemCaseSensitive(d, "redacted");
	if (!r || !id || strcmp(id, r->id) != 0)
		return verify_fail(v, "decisions.jsonl line %d is not the decision of receipts.jsonl "
				      "line %d", no, no);
	if (!digest || strcmp(digest, r->record_digest) != 0 || !text || !cJSON_IsBool(redacted))
		return verify_fail(v, "decisions.jsonl line %d: its record digest is not its receipt's",
				   no);
	cJSON *rec = cJSON_Parse(text);
	int rc = cJSON_IsObject(rec) ? 0
				     : verify_fail(v, "decisions.jsonl line %d: the record is not JSON",
						   no);
	if (rc == 0 && cJSON_IsTrue(redacted)) {
		v->rep->redacted_decisions++;
		if (v->replay && v->rep->on_replay)
			v->rep->on_replay(v->rep->ctx, id, "not replayable",
					  "its inputs were redacted on export");
		v->rep->not_replayable += v->replay;
	} else if (rc == 0) {
		char have[DIGEST_B64_LEN];
		digest_sha256_b64(text, strlen(text), have);
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(rec, "profile_version");
		if (strcmp(have, digest) != 0)
			rc = verify_fail(v, "decisions.jsonl line %d (%s): the record differs from the "
					    "digest its receipt carries", no, id);
		else if (cJSON_IsNumber(pv) &&
			 !replay_has_profile(v->docs, pv->valueint, s_of(rec, "profile_digest")))
			rc = verify_fail(v, "decisions.jsonl line %d: profile version %d is not in "
					    "profiles.jsonl", no, pv->valueint);
		else if (v->replay)
			replay_one(v, id, rec);
	}
	cJSON_Delete(rec);
	return rc;
}

static int check_decisions(struct verify *v)
{
	struct lines l = lines_of(v, EVIDENCE_DECISIONS);
	cJSON *d;
	while ((d = next_object(v, &l, NULL, NULL))) {
		int rc = check_decision(v, d, l.no);
		cJSON_Delete(d);
		if (rc)
			return -1;
		v->rep->decisions++;
	}
	if (lines_done(v))
		return -1;
	if (v->rep->decisions != v->n_receipts)
		return verify_fail(v, "decisions.jsonl holds %" PRIu64 " decisions for %zu receipts",
				   v->rep->decisions, v->n_receipts);
	verify_passed(v, "decisions: %" PRIu64 ", each the one its receipt's digest names (%" PRIu64
			 " redacted, so not digest-checked)", v->rep->decisions,
		      v->rep->redacted_decisions);
	return 0;
}

/* ---- incidents, timeline, redactions ---- */

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct verify_receipt *)a)->id, ((const struct verify_receipt *)b)->id);
}

static bool is_receipt(const struct verify *v, const char *id)
{
	struct verify_receipt key;
	if (!id || strlen(id) >= sizeof key.id)
		return false;
	snprintf(key.id, sizeof key.id, "%s", id);
	return bsearch(&key, v->receipts, v->n_receipts, sizeof key, by_id) != NULL;
}

static int check_incidents_and_timeline(struct verify *v)
{
	struct lines l = lines_of(v, EVIDENCE_INCIDENTS);
	cJSON *o;
	while ((o = next_object(v, &l, NULL, NULL))) {
		const char *t = s_of(o, "tenant_id");
		bool ok = s_of(o, "id") && t && strcmp(t, v->rep->tenant_id) == 0;
		cJSON_Delete(o);
		if (!ok)
			return verify_fail(v, "incidents.jsonl line %d is not an incident of %s", l.no,
					   v->rep->tenant_id);
		v->rep->incidents++;
	}
	if (lines_done(v))
		return -1;
	/* Sorted by id from here on: the leaf order has been checked. */
	qsort(v->receipts, v->n_receipts, sizeof *v->receipts, by_id);
	l = lines_of(v, EVIDENCE_TIMELINE);
	while ((o = next_object(v, &l, NULL, NULL))) {
		bool ok = s_of(o, "id") && in_window(v, s_of(o, "at"));
		bool receipted = is_receipt(v, s_of(o, "receipt_id"));
		cJSON_Delete(o);
		if (!ok)
			return verify_fail(v, "timeline.jsonl line %d is not an event of the window", l.no);
		if (!receipted)
			return verify_fail(v, "timeline.jsonl line %d: its receipt is not in the bundle",
					   l.no);
		v->rep->timeline++;
	}
	if (lines_done(v))
		return -1;
	verify_passed(v, "incidents: %" PRIu64 "; timeline events: %" PRIu64
			 ", each pointing at a receipt in the bundle", v->rep->incidents,
		      v->rep->timeline);
	return 0;
}

/* Each entry names file, record, field and rule, with a count: no member could carry the
 * value withheld. */
static int check_redactions(struct verify *v)
{
	static const char *const keys[] = {"file", "record", "field", "rule", "count"};
	struct lines l = lines_of(v, EVIDENCE_REDACTIONS);
	cJSON *o;
	while ((o = next_object(v, &l, NULL, NULL))) {
		bool ok = cJSON_GetArraySize(o) == 5;
		for (int i = 0; ok && i < 4; i++)
			ok = s_of(o, keys[i]) != NULL;
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(o, keys[4]);
		ok = ok && cJSON_IsNumber(count) && count->valuedouble >= 1;
		const char *file = s_of(o, "file");
		ok = ok && (!strcmp(file, "decisions.jsonl") || !strcmp(file, "incidents.jsonl") ||
			    !strcmp(file, "timeline.jsonl"));
		if (ok && !strcmp(file, "decisions.jsonl"))
			ok = is_receipt(v, s_of(o, "record"));
		cJSON_Delete(o);
		if (!ok)
			return verify_fail(v, "redactions.jsonl line %d is not {file, record, field, "
					      "rule, count}", l.no);
		v->rep->redactions++;
	}
	if (lines_done(v))
		return -1;
	verify_passed(v, "redaction log: %" PRIu64 " entries, naming rule, record and field only",
		      v->rep->redactions);
	return 0;
}

int verify_records(struct verify *v)
{
	if (check_profiles(v) || check_receipts(v) || check_decisions(v) ||
	    check_incidents_and_timeline(v) || check_redactions(v))
		return -1;
	if (v->replay)
		verify_passed(v, "replay: %" PRIu64 " decisions re-evaluated as recorded, %" PRIu64
				 " drifted, %" PRIu64 " not replayable, %" PRIu64
				 " decided by tenancy rules", v->rep->replayed, v->rep->drift,
			      v->rep->not_replayable, v->rep->tenancy);
	return 0;
}
