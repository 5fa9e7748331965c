/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-request.h"

#include <math.h>
#include <string.h>

#include "bc-error.h"
#include "bc-geo.h"
#include "bc-store.h"

/* json-glib's parser recurses per nesting level; a body of a million '[' would exhaust the
 * stack. No document of the API nests deeper than a handful of levels. */
#define BS_JSON_MAX_DEPTH 32

G_DEFINE_QUARK (bs-request-error-quark, bs_request_error)

BsRequest *
bs_request_new (SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gsize              body_max)
{
  BsRequest *req = g_new0 (BsRequest, 1);

  req->msg = msg;
  req->path = g_strdup (path);
  req->query = query != NULL ? g_hash_table_ref (query) : NULL;
  req->remote = bs_message_get_remote (msg);
  req->body_max = body_max;
  req->started_us = g_get_monotonic_time ();
  req->actor.remote = req->remote;
  return req;
}

void
bs_request_free (BsRequest *req)
{
  if (req == NULL)
    return;
  g_free (req->path);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->principal, bs_principal_free);
  g_free (req->remote);
  g_free (req);
}

void
bs_request_set_principal (BsRequest   *req,
                          BsPrincipal *principal)
{
  g_clear_pointer (&req->principal, bs_principal_free);
  req->principal = principal;
  req->actor.username = principal != NULL ? principal->username : NULL;
  req->actor.role = principal != NULL ? principal->role : BC_ROLE_UNIT;
}

const char *
bs_request_get_method (BsRequest *req)
{
  return soup_server_message_get_method (req->msg);
}

const char *
bs_request_get_header (BsRequest  *req,
                       const char *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg),
                                       name);
}

const char *
bs_request_get_bearer_token (BsRequest *req,
                             gboolean   allow_query)
{
  const char *header = bs_request_get_header (req, "Authorization");

  if (header != NULL)
    {
      if (g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
        return NULL;
      header += 7;
      while (*header == ' ')
        header++;
      return header;
    }

  if (allow_query && req->query != NULL)
    return g_hash_table_lookup (req->query, "token");

  return NULL;
}

char *
bs_message_get_remote (SoupServerMessage *msg)
{
  GSocketAddress *address = soup_server_message_get_remote_address (msg);
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("unknown");

  host = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host,
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* ---- Body --------------------------------------------------------------------------------- */

static gboolean
json_depth_ok (const char *data,
               gsize       length)
{
  gboolean in_string = FALSE;
  int depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > BS_JSON_MAX_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        depth--;
    }

  return TRUE;
}

JsonNode *
bs_request_parse_body (BsRequest  *req,
                       GError    **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize length;

  if (body->length > (goffset) req->body_max)
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_BODY_TOO_LARGE,
                   "the request body is larger than %" G_GSIZE_FORMAT " bytes", req->body_max);
      return NULL;
    }

  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &length);

  if (length == 0)
    {
      g_set_error_literal (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_MALFORMED_JSON,
                           "the request body is empty; a JSON document is required");
      return NULL;
    }
  if (!g_utf8_validate (data, length, NULL))
    {
      g_set_error_literal (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_MALFORMED_JSON,
                           "the request body is not valid UTF-8");
      return NULL;
    }
  if (!json_depth_ok (data, length))
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_MALFORMED_JSON,
                   "the request body nests deeper than %d levels", BS_JSON_MAX_DEPTH);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_MALFORMED_JSON,
                   "the request body is not valid JSON: %s", local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_MALFORMED_JSON,
                           "the request body holds no JSON value");
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}

JsonObject *
bs_request_parse_body_object (BsRequest  *req,
                              JsonNode  **out_node,
                              GError    **error)
{
  g_autoptr(JsonNode) node = bs_request_parse_body (req, error);

  if (node == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, BC_MODEL_ERROR, BC_MODEL_ERROR_WRONG_TYPE,
                           "document: expected a JSON object");
      return NULL;
    }

  *out_node = g_steal_pointer (&node);
  return json_node_get_object (*out_node);
}

/* ---- Query -------------------------------------------------------------------------------- */

const char *
bs_request_query_string (BsRequest  *req,
                         const char *name)
{
  return req->query != NULL ? g_hash_table_lookup (req->query, name) : NULL;
}

gboolean
bs_request_query_int64 (BsRequest   *req,
                        const char  *name,
                        gint64       default_value,
                        gint64       min,
                        gint64       max,
                        gint64      *out,
                        GError     **error)
{
  const char *text = bs_request_query_string (req, name);
  gint64 value;

  if (text == NULL)
    {
      *out = default_value;
      return TRUE;
    }

  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                   "%s: must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   name, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
bs_request_query_double (BsRequest   *req,
                         const char  *name,
                         gboolean     required,
                         double       default_value,
                         double       min,
                         double       max,
                         double      *out,
                         GError     **error)
{
  const char *text = bs_request_query_string (req, name);
  char *end = NULL;
  double value;

  if (text == NULL || *text == '\0')
    {
      if (required)
        {
          g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                       "%s: is required", name);
          return FALSE;
        }
      *out = default_value;
      return TRUE;
    }

  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_PARAMETER,
                   "%s: “%s” is not a number", name, text);
      return FALSE;
    }
  if (value < min || value > max)
    {
      g_set_error (error, BS_REQUEST_ERROR, BS_REQUEST_ERROR_INVALID_VALUE,
                   "%s: %g is out of range (%g to %g)", name, value, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

/* ---- Replies ------------------------------------------------------------------------------ */

static void
set_json_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
}

void
bs_request_reply_text (BsRequest *req,
                       guint      status,
                       char      *json_text)
{
  gsize length = strlen (json_text);

  set_json_headers (req->msg);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, json_text, length);
}

void
bs_request_reply_json (BsRequest *req,
                       guint      status,
                       JsonNode  *node)
{
  bs_request_reply_text (req, status, json_to_string (node, FALSE));
}

void
bs_request_reply_json_take (BsRequest *req,
                            guint      status,
                            JsonNode  *node)
{
  bs_request_reply_json (req, status, node);
  json_node_unref (node);
}

void
bs_request_reply_empty (BsRequest *req,
                        guint      status)
{
  soup_server_message_set_status (req->msg, status, NULL);
}

static char *
error_json_full (const char *code,
                 const char *message,
                 const char *field)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  if (field != NULL)
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, field);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

char *
bs_error_json (const char *code,
               const char *message)
{
  return error_json_full (code, message, NULL);
}

static void
add_error_headers (SoupServerMessage *msg,
                   guint              status,
                   const char        *code)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate",
                                  g_strcmp0 (code, "token_expired") == 0
                                    ? "Bearer error=\"invalid_token\", "
                                      "error_description=\"token expired\""
                                    : "Bearer");
  else if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    soup_message_headers_replace (headers, "Retry-After", "5");
}

void
bs_message_reply_error (SoupServerMessage *msg,
                        guint              status,
                        const char        *code,
                        const char        *message)
{
  char *text = bs_error_json (code, message);

  set_json_headers (msg);
  add_error_headers (msg, status, code);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

void
bs_request_reply_error (BsRequest  *req,
                        guint       status,
                        const char *code,
                        const char *message)
{
  bs_message_reply_error (req->msg, status, code, message);
}

guint
bs_error_to_http (const GError  *error,
                  const char   **out_code)
{
  const char *code = "internal_error";
  guint status = SOUP_STATUS_INTERNAL_SERVER_ERROR;

  if (error->domain == BS_REQUEST_ERROR)
    {
      switch ((BsRequestError) error->code)
        {
        case BS_REQUEST_ERROR_MALFORMED_JSON:
          status = 400, code = "malformed_json";
          break;
        case BS_REQUEST_ERROR_INVALID_FIELD:
          status = 400, code = "invalid_field";
          break;
        case BS_REQUEST_ERROR_INVALID_PARAMETER:
          status = 400, code = "invalid_parameter";
          break;
        case BS_REQUEST_ERROR_MISSING_IDEMPOTENCY_KEY:
          status = 400, code = "missing_idempotency_key";
          break;
        case BS_REQUEST_ERROR_FORBIDDEN:
          status = 403, code = "forbidden";
          break;
        case BS_REQUEST_ERROR_NOT_FOUND:
          status = 404, code = "not_found";
          break;
        case BS_REQUEST_ERROR_BODY_TOO_LARGE:
          status = 413, code = "body_too_large";
          break;
        case BS_REQUEST_ERROR_INVALID_VALUE:
          status = 422, code = "invalid_value";
          break;
        case BS_REQUEST_ERROR_NOT_IMPLEMENTED:
          status = 501, code = "not_implemented";
          break;
        case BS_REQUEST_ERROR_SHUTTING_DOWN:
          status = 503, code = "shutting_down";
          break;
        default:
          break;
        }
    }
  else if (error->domain == BC_MODEL_ERROR)
    {
      /* The shape of the document is wrong (400) versus its values are (422). */
      switch ((BcModelError) error->code)
        {
        case BC_MODEL_ERROR_MISSING_FIELD:
        case BC_MODEL_ERROR_WRONG_TYPE:
        case BC_MODEL_ERROR_FORBIDDEN_FIELD:
        case BC_MODEL_ERROR_INVALID_UTF8:
          status = 400, code = "invalid_field";
          break;
        case BC_MODEL_ERROR_OUT_OF_RANGE:
        case BC_MODEL_ERROR_UNKNOWN_VALUE:
        case BC_MODEL_ERROR_TOO_LONG:
        case BC_MODEL_ERROR_INVALID_FORMAT:
        case BC_MODEL_ERROR_DUPLICATE:
          status = 422, code = "invalid_value";
          break;
        default:
          status = 422, code = "invalid_value";
          break;
        }
    }
  else if (error->domain == BS_REPO_ERROR)
    {
      switch ((BsRepoError) error->code)
        {
        case BS_REPO_ERROR_NOT_FOUND:
          status = 404, code = "not_found";
          break;
        case BS_REPO_ERROR_INVALID:
          status = 422, code = "invalid_value";
          break;
        case BS_REPO_ERROR_STALE_VERSION:
          status = 409, code = "stale_version";
          break;
        case BS_REPO_ERROR_UNIT_UNAVAILABLE:
          status = 409, code = "unit_unavailable";
          break;
        case BS_REPO_ERROR_INVALID_TRANSITION:
          status = 422, code = "invalid_transition";
          break;
        case BS_REPO_ERROR_IDEMPOTENCY_MISMATCH:
          status = 422, code = "idempotency_key_reused";
          break;
        case BS_REPO_ERROR_FORBIDDEN:
          status = 403, code = "forbidden";
          break;
        default:
          break;
        }
    }
  else if (error->domain == BS_AUTH_ERROR)
    {
      switch ((BsAuthError) error->code)
        {
        case BS_AUTH_ERROR_UNAUTHORIZED:
          status = 401, code = "unauthorized";
          break;
        case BS_AUTH_ERROR_TOKEN_EXPIRED:
          status = 401, code = "token_expired";
          break;
        case BS_AUTH_ERROR_TOO_MANY_ATTEMPTS:
          status = 429, code = "too_many_attempts";
          break;
        case BS_AUTH_ERROR_USER_EXISTS:
          status = 409, code = "user_exists";
          break;
        case BS_AUTH_ERROR_INVALID:
          status = 422, code = "invalid_value";
          break;
        default:
          break;
        }
    }
  else if (error->domain == BC_GEO_ERROR)
    {
      switch ((BcGeoError) error->code)
        {
        case BC_GEO_ERROR_MALFORMED:
          status = 400, code = "invalid_parameter";
          break;
        case BC_GEO_ERROR_OUT_OF_RANGE:
        case BC_GEO_ERROR_INVERTED:
        default:
          status = 422, code = "invalid_value";
          break;
        }
    }
  else if (error->domain == BC_STORE_ERROR)
    {
      switch ((BcStoreError) error->code)
        {
        case BC_STORE_ERROR_BUSY:
          status = 503, code = "database_busy";
          break;
        case BC_STORE_ERROR_NOT_FOUND:
          status = 404, code = "not_found";
          break;
        case BC_STORE_ERROR_CONFLICT:
          status = 409, code = "conflict";
          break;
        case BC_STORE_ERROR_OPEN:
        case BC_STORE_ERROR_TOO_NEW:
        case BC_STORE_ERROR_WRONG_SCHEMA:
        case BC_STORE_ERROR_SQL:
        case BC_STORE_ERROR_CONSTRAINT:
        default:
          status = 500, code = "internal_error";
          break;
        }
    }

  if (out_code != NULL)
    *out_code = code;
  return status;
}

void
bs_request_reply_gerror (BsRequest    *req,
                         const GError *error)
{
  const char *code = NULL;
  guint status = bs_error_to_http (error, &code);
  g_autofree char *field = NULL;
  char *text;

  if (status >= 500 && status != SOUP_STATUS_SERVICE_UNAVAILABLE &&
      status != SOUP_STATUS_NOT_IMPLEMENTED)
    {
      /* Internal details stay in the log; the client learns only that it failed. */
      g_warning ("%s %s failed: %s", bs_request_get_method (req), req->path, error->message);
      bs_request_reply_error (req, status, code, "internal server error; see the server log");
      return;
    }

  if (error->domain == BC_MODEL_ERROR)
    {
      const char *colon = strstr (error->message, ": ");

      if (colon != NULL)
        field = g_strndup (error->message, colon - error->message);
    }

  text = error_json_full (code, error->message, field);
  set_json_headers (req->msg);
  add_error_headers (req->msg, status, code);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

/* ---- Personal data ------------------------------------------------------------------------ */

gboolean
bs_role_sees_personal_data (BcRole role)
{
  switch (role)
    {
    case BC_ROLE_DISPATCHER:
    case BC_ROLE_TRAINER:
      return TRUE;
    case BC_ROLE_SUPERVISOR:
    case BC_ROLE_ADMIN:
    case BC_ROLE_UNIT:
    default:
      return FALSE;
    }
}

char *
bs_mask_name (const char *name)
{
  const char *second;

  if (name == NULL || *name == '\0')
    return g_strdup (name);

  /* Keep the family name (the first character) only; the stars hide the length too. */
  second = g_utf8_find_next_char (name, NULL);
  if (second == NULL)
    return g_strdup ("**");
  return g_strdup_printf ("%.*s**", (int) (second - name), name);
}

char *
bs_mask_phone (const char *phone)
{
  gsize length;

  if (phone == NULL || *phone == '\0')
    return g_strdup (phone);

  length = strlen (phone);   /* phone numbers are ASCII (domain.md) */
  if (length < 8)
    return g_strdup ("****");

  return g_strdup_printf ("%.3s****%s", phone, phone + length - 4);
}

static gboolean
mask_caller (JsonObject *caller)
{
  gboolean masked = FALSE;
  const char *members[] = { "name", "phone" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *value = json_object_get_member (caller, members[i]);
      g_autofree char *replacement = NULL;

      if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
          json_node_get_value_type (value) != G_TYPE_STRING)
        continue;

      replacement = i == 0 ? bs_mask_name (json_node_get_string (value))
                           : bs_mask_phone (json_node_get_string (value));
      json_object_set_string_member (caller, members[i], replacement);
      masked = TRUE;
    }

  return masked;
}

gboolean
bs_mask_personal_data (JsonNode *node)
{
  gboolean masked = FALSE;

  if (node == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &member))
        {
          if (strcmp (name, "caller") == 0 && JSON_NODE_HOLDS_OBJECT (member))
            masked |= mask_caller (json_node_get_object (member));
          else
            masked |= bs_mask_personal_data (member);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        masked |= bs_mask_personal_data (json_array_get_element (array, i));
    }

  return masked;
}
