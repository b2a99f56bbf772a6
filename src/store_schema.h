/* The numbered migrations: store_schema[i] takes user_version i to i + 1. Never edit a
 * published one; append. */
#ifndef KX_STORE_SCHEMA_H
#define KX_STORE_SCHEMA_H

extern const char *const store_schema[];
extern const int store_schema_count;

/* Ledger nodes are kept in bands of this many levels (migration 6): band = level / 5. */
#define STORE_NODE_BAND 5
#define STORE_TEXT_(n) #n
#define STORE_TEXT(n) STORE_TEXT_(n)
#define STORE_NODE_BAND_SQL STORE_TEXT(STORE_NODE_BAND) /* "5", for the migrations' SQL */

#endif
