/* libFuzzer harness: the runbook document. The input is a document as publish receives it;
 * it goes through json_input_object, then runbook_doc_validate (the first byte's low bit
 * says whether an unapproved high-risk runbook is allowed); a valid one is walked with the
 * readers the engine uses. Checked: a rejection is a 400 invalid_field naming "document.…";
 * every step of a valid document has an id found again by runbook_doc_step_index. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_input.h"
#include "runbook_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool allow = data[0] & 1;
	struct kx_error err = {0};
	cJSON *doc = json_input_object((const char *)data + 1, size - 1, &err);
	if (!doc) {
		if (err.status != 400)
			abort();
		return 0;
	}
	if (runbook_doc_validate(doc, allow, &err)) {
		if (err.status != 400 || strncmp(err.field, "document", 8) != 0)
			abort();
	} else {
		int n = runbook_doc_step_count(doc);
		if (n < 1 || n > RUNBOOK_MAX_STEPS)
			abort();
		for (int i = 0; i < n; i++) {
			const cJSON *step = runbook_doc_step(doc, i);
			const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(step, "id"));
			if (!step || !id || runbook_doc_step_index(doc, id) != i)
				abort();
		}
		if (runbook_doc_step(doc, n) != NULL)
			abort();
	}
	cJSON_Delete(doc);
	return 0;
}
