/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsRequest: what a route handler gets for one HTTP request — path parameters, query, the body
 * parsed with a size limit, who is asking — and the helpers that answer it. Every error answer
 * is `{"error":{"code":"snake_case","message":"…"}}`; bs_request_reply_gerror() maps the
 * error domains of the whole program to a status and a code (the table is in docs/api.md). */

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "bs-auth.h"
#include "bs-repo.h"

G_BEGIN_DECLS

#define BS_REQUEST_ERROR (bs_request_error_quark ())

typedef enum
{
  BS_REQUEST_ERROR_MALFORMED_JSON,          /* 400 malformed_json */
  BS_REQUEST_ERROR_INVALID_FIELD,           /* 400 invalid_field */
  BS_REQUEST_ERROR_INVALID_PARAMETER,       /* 400 invalid_parameter (query string) */
  BS_REQUEST_ERROR_MISSING_IDEMPOTENCY_KEY, /* 400 missing_idempotency_key */
  BS_REQUEST_ERROR_FORBIDDEN,               /* 403 forbidden */
  BS_REQUEST_ERROR_NOT_FOUND,               /* 404 not_found */
  BS_REQUEST_ERROR_BODY_TOO_LARGE,          /* 413 body_too_large */
  BS_REQUEST_ERROR_INVALID_VALUE,           /* 422 invalid_value */
  BS_REQUEST_ERROR_NOT_IMPLEMENTED,         /* 501 not_implemented */
  BS_REQUEST_ERROR_SHUTTING_DOWN,           /* 503 shutting_down */
} BsRequestError;

GQuark bs_request_error_quark (void);

#define BS_REQUEST_MAX_IDS 2

typedef struct
{
  SoupServerMessage *msg;           /* unowned: the message owns its BsRequest */
  char              *path;
  GHashTable        *query;         /* decoded query string, may be NULL */
  gint64             ids[BS_REQUEST_MAX_IDS]; /* the {id} path segments, in order */
  guint              n_ids;
  BsPrincipal       *principal;     /* NULL on public routes */
  BsActor            actor;         /* points into principal and remote */
  char              *remote;        /* "address:port" */
  gsize              body_max;
  gint64             started_us;    /* monotonic */
} BsRequest;

BsRequest  *bs_request_new                 (SoupServerMessage  *msg,
                                            const char         *path,
                                            GHashTable         *query,
                                            gsize               body_max);
void        bs_request_free                (BsRequest          *req);
void        bs_request_set_principal       (BsRequest          *req,
                                            BsPrincipal        *principal);

const char *bs_request_get_method          (BsRequest          *req);
const char *bs_request_get_header          (BsRequest          *req,
                                            const char         *name);
/* The token of "Authorization: Bearer TOKEN", or of ?token= when @allow_query. */
const char *bs_request_get_bearer_token    (BsRequest          *req,
                                            gboolean            allow_query);
char       *bs_message_get_remote          (SoupServerMessage  *msg);

/* The body as JSON; BS_REQUEST_ERROR_BODY_TOO_LARGE or _MALFORMED_JSON. An empty body is
 * malformed. */
JsonNode   *bs_request_parse_body          (BsRequest          *req,
                                            GError            **error);
JsonObject *bs_request_parse_body_object   (BsRequest          *req,
                                            JsonNode          **out_node,
                                            GError            **error);
/* A query parameter as an integer in [min, max]; absent → @default_value. */
gboolean    bs_request_query_int64         (BsRequest          *req,
                                            const char         *name,
                                            gint64              default_value,
                                            gint64              min,
                                            gint64              max,
                                            gint64             *out,
                                            GError            **error);
gboolean    bs_request_query_double        (BsRequest          *req,
                                            const char         *name,
                                            gboolean            required,
                                            double              default_value,
                                            double              min,
                                            double              max,
                                            double             *out,
                                            GError            **error);
const char *bs_request_query_string        (BsRequest          *req,
                                            const char         *name);

void        bs_request_reply_json          (BsRequest          *req,
                                            guint               status,
                                            JsonNode           *node);
void        bs_request_reply_json_take     (BsRequest          *req,
                                            guint               status,
                                            JsonNode           *node);
void        bs_request_reply_text          (BsRequest          *req,
                                            guint               status,
                                            char               *json_text);
void        bs_request_reply_empty         (BsRequest          *req,
                                            guint               status);
void        bs_request_reply_error         (BsRequest          *req,
                                            guint               status,
                                            const char         *code,
                                            const char         *message);
void        bs_request_reply_gerror        (BsRequest          *req,
                                            const GError       *error);

/* Maps an error of any domain to an HTTP status and API error code. */
guint       bs_error_to_http               (const GError       *error,
                                            const char        **out_code);
char       *bs_error_json                  (const char         *code,
                                            const char         *message);
void        bs_message_reply_error         (SoupServerMessage  *msg,
                                            guint               status,
                                            const char         *code,
                                            const char         *message);

/* ---- Personal data ------------------------------------------------------------------------
 * Callers' names and phone numbers are shown in full to dispatchers and trainers only; every
 * other role gets them masked ("张**", "138****0000") in responses and events alike. */
gboolean    bs_role_sees_personal_data     (BcRole              role);
char       *bs_mask_name                   (const char         *name);
char       *bs_mask_phone                  (const char         *phone);
/* Masks every "caller" object found anywhere in @node; TRUE when something was masked. */
gboolean    bs_mask_personal_data          (JsonNode           *node);

G_END_DECLS
