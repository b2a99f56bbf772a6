/* The PostgreSQL schema as numbered migrations (store_pg_schema.c), in step with
 * store_schema.h's. */
#ifndef KX_STORE_PG_SCHEMA_H
#define KX_STORE_PG_SCHEMA_H

extern const char *const store_pg_schema[];
extern const int store_pg_schema_count;

#endif
