/* API.md's REST routes as data: method and path template for every operation. klaxond maps a
 * request onto an op with route_match; the remote client maps an op back onto a request with
 * route_for_op and route_path. One table, so the two can never disagree. */
#ifndef KX_ROUTES_H
#define KX_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

/* Templates use {id} and {sub} for the path ids (kx_request.id and .sub_id). */
struct route {
	const char *method;
	const char *path;
	const char *op;
	const char *feature; /* the feature flag that switches it off */
};

#define ROUTE_ID_MAX 128

/* Finds the route for a request path (split from its query and percent-decoded). On a match
 * fills id and sub (each 1 to ROUTE_ID_MAX - 1 bytes, no '/') and returns it.
 * NULL when no route matches; *path_known tells whether the path exists with another method
 * (405 rather than 404). */
const struct route *route_match(const char *method, const char *path, char id[ROUTE_ID_MAX],
				char sub[ROUTE_ID_MAX], bool *path_known);
const struct route *route_for_op(const char *op);
/* Fills the template with the ids, percent-encoding them; false when it does not fit. */
bool route_path(const struct route *r, const char *id, const char *sub, char *out, size_t len);

#endif
