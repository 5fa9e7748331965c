/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include <math.h>
#include <string.h>

#include "bc-json-private.h"
#include "bc-time.h"

#define ROOT_NAME "document"

/* Strings quoted in messages are cut short so that a 4000-character field does not become a
 * 4000-character error message. */
#define QUOTE_MAX_CHARS 40

/**
 * bc_json_parse:
 * @data: the document
 * @length: length of @data in bytes, or -1 if it is nul-terminated
 * @error: a #GError
 *
 * Parses a JSON document. Bytes that are not UTF-8 are rejected with
 * %BC_MODEL_ERROR_INVALID_UTF8 before json-glib sees them (its scanner would otherwise report
 * them as confusing syntax errors or pass them through); syntax errors and empty documents give
 * %BC_MODEL_ERROR_INVALID_FORMAT.
 *
 * Returns: (transfer full): the root node, or %NULL on error
 */
JsonNode *
bc_json_parse (const char  *data,
               gssize       length,
               GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *end = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length < 0)
    length = (gssize) strlen (data);

  if (!g_utf8_validate_len (data, (gsize) length, &end))
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_UTF8, NULL,
                          "not valid UTF-8 (byte %" G_GSIZE_FORMAT ")", (gsize) (end - data));
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      const char *message = local_error->message;

      /* json-glib names the buffer "<data>"; the position after it is what helps. */
      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_FORMAT, NULL,
                          "not valid JSON: %s", message);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_FORMAT, NULL, "empty");
      return NULL;
    }

  return root;
}

/**
 * bc_json_to_string:
 * @node: a node
 *
 * Returns: (transfer full): @node as compact JSON
 */
char *
bc_json_to_string (JsonNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  return json_to_string (node, FALSE);
}

static void
append_path (GString          *string,
             const BcJsonPath *path)
{
  if (path == NULL)
    return;

  append_path (string, path->parent);
  if (path->member != NULL)
    {
      if (string->len > 0)
        g_string_append_c (string, '.');
      g_string_append (string, path->member);
    }
  else
    {
      g_string_append_printf (string, "[%u]", path->index);
    }
}

char *
_bc_json_path_to_string (const BcJsonPath *path)
{
  GString *string = g_string_new (NULL);

  append_path (string, path);
  if (string->len == 0)
    g_string_append (string, ROOT_NAME);

  return g_string_free (string, FALSE);
}

/* A user-supplied string, quoted and shortened for an error message. */
char *
_bc_quote_for_message (const char *text)
{
  g_autofree char *head = NULL;

  if (text == NULL)
    return g_strdup ("null");
  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup ("(invalid UTF-8)");
  if (g_utf8_strlen (text, -1) <= QUOTE_MAX_CHARS)
    return g_strdup_printf ("\"%s\"", text);

  head = g_utf8_substring (text, 0, QUOTE_MAX_CHARS);
  return g_strdup_printf ("\"%s…\"", head);
}

const char *
_bc_json_describe_node (JsonNode *node)
{
  if (node == NULL)
    return "nothing";

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return "object";
    case JSON_NODE_ARRAY:
      return "array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_STRING)
          return "string";
        if (type == G_TYPE_BOOLEAN)
          return "boolean";
        return "number";
      }
    default:
      return "unknown";
    }
}

void
_bc_json_set_error (GError           **error,
                    BcModelError       code,
                    const BcJsonPath  *path,
                    const char        *format,
                    ...)
{
  g_autofree char *where = NULL;
  g_autofree char *what = NULL;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  where = _bc_json_path_to_string (path);
  g_set_error (error, BC_MODEL_ERROR, (int) code, "%s: %s", where, what);
}

void
_bc_json_prefix_error (GError           **error,
                       const BcJsonPath  *path)
{
  g_autofree char *where = NULL;

  if (error == NULL || *error == NULL)
    return;

  where = _bc_json_path_to_string (path);
  g_prefix_error (error, "%s: ", where);
}

static void
set_wrong_type (GError           **error,
                const BcJsonPath  *path,
                const char        *expected,
                JsonNode          *node)
{
  _bc_json_set_error (error, BC_MODEL_ERROR_WRONG_TYPE, path, "expected %s, got %s",
                      expected, _bc_json_describe_node (node));
}

/* 15 significant digits print 95.2 as "95.2", not "95.200000000000003". */
static char *
format_double (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.15g", value));
}

JsonObject *
_bc_json_node_get_object (JsonNode          *node,
                          const BcJsonPath  *path,
                          GError           **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      set_wrong_type (error, path, "an object", node);
      return NULL;
    }

  return json_node_get_object (node);
}

gboolean
_bc_json_node_get_int64 (JsonNode          *node,
                         const BcJsonPath  *path,
                         gint64             min,
                         gint64             max,
                         gint64            *out,
                         GError           **error)
{
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      /* "expected an integer, got number" would be a riddle for 1.5. */
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          double number = json_node_get_double (node);
          g_autofree char *text = format_double (number);

          /* "got 2.0", not "got 2", when the document said 2.0. */
          _bc_json_set_error (error, BC_MODEL_ERROR_WRONG_TYPE, path,
                              "expected an integer, got %s%s", text,
                              isfinite (number) && strpbrk (text, ".e") == NULL ? ".0" : "");
        }
      else
        {
          set_wrong_type (error, path, "an integer", node);
        }
      return FALSE;
    }

  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      if (max == G_MAXINT64)
        _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE, path,
                            "%" G_GINT64_FORMAT " is out of range (at least %" G_GINT64_FORMAT ")",
                            value, min);
      else
        _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE, path,
                            "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                            " to %" G_GINT64_FORMAT ")",
                            value, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

/*
 * Looks up @member. Returns FALSE with an error if it is missing or null and not allowed to be;
 * otherwise TRUE with *out_node set to the node, or to NULL for an accepted absent/null member.
 */
static gboolean
lookup_member (JsonObject        *object,
               const BcJsonPath  *path,
               const char        *member,
               BcJsonFlags        flags,
               const char        *expected,
               JsonNode         **out_node,
               GError           **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_node = NULL;

  if (node == NULL)
    {
      if (flags & BC_JSON_NULLABLE)
        return TRUE;
      _bc_json_set_error (error, BC_MODEL_ERROR_MISSING_FIELD, BC_JSON_PATH_MEMBER (path, member),
                          "required field is missing");
      return FALSE;
    }

  if (JSON_NODE_HOLDS_NULL (node))
    {
      if (flags & BC_JSON_NULLABLE)
        return TRUE;
      set_wrong_type (error, BC_JSON_PATH_MEMBER (path, member), expected, node);
      return FALSE;
    }

  *out_node = node;
  return TRUE;
}

static gboolean
node_get_string (JsonNode          *node,
                 const BcJsonPath  *path,
                 guint              min_chars,
                 guint              max_chars,
                 const char       **out,
                 GError           **error)
{
  const char *value;
  gsize n_bytes;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      set_wrong_type (error, path, "a string", node);
      return FALSE;
    }

  value = json_node_get_string (node);
  n_bytes = strlen (value);

  /* json-glib validates what it parses, but nodes can also be built by hand. */
  if (!g_utf8_validate_len (value, n_bytes, NULL))
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_UTF8, path, "not valid UTF-8");
      return FALSE;
    }

  if (min_chars > 0 && n_bytes == 0)
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_MISSING_FIELD, path, "must not be empty");
      return FALSE;
    }

  /* A string has at most as many characters as bytes, so short ones need no counting. */
  if (n_bytes > max_chars || n_bytes < min_chars)
    {
      glong n_chars = g_utf8_strlen (value, (gssize) n_bytes);

      if (n_chars > (glong) max_chars)
        {
          _bc_json_set_error (error, BC_MODEL_ERROR_TOO_LONG, path,
                              "longer than %u characters", max_chars);
          return FALSE;
        }
      if (n_chars < (glong) min_chars)
        {
          _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE, path,
                              "shorter than %u characters", min_chars);
          return FALSE;
        }
    }

  *out = value;
  return TRUE;
}

gboolean
_bc_json_get_string (JsonObject        *object,
                     const BcJsonPath  *path,
                     const char        *member,
                     BcJsonFlags        flags,
                     guint              min_chars,
                     guint              max_chars,
                     const char       **out,
                     GError           **error)
{
  JsonNode *node;

  if (!lookup_member (object, path, member, flags, "a string", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  return node_get_string (node, BC_JSON_PATH_MEMBER (path, member), min_chars, max_chars,
                          out, error);
}

gboolean
_bc_json_get_int64 (JsonObject        *object,
                    const BcJsonPath  *path,
                    const char        *member,
                    BcJsonFlags        flags,
                    gint64             min,
                    gint64             max,
                    gint64            *out,
                    GError           **error)
{
  JsonNode *node;

  if (!lookup_member (object, path, member, flags, "an integer", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  return _bc_json_node_get_int64 (node, BC_JSON_PATH_MEMBER (path, member), min, max, out, error);
}

gboolean
_bc_json_get_double (JsonObject        *object,
                     const BcJsonPath  *path,
                     const char        *member,
                     BcJsonFlags        flags,
                     double             min,
                     double             max,
                     double            *out,
                     GError           **error)
{
  JsonNode *node;
  GType type;
  double value;
  gboolean in_range;

  if (!lookup_member (object, path, member, flags, "a number", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    value = (double) json_node_get_int (node);
  else
    {
      set_wrong_type (error, BC_JSON_PATH_MEMBER (path, member), "a number", node);
      return FALSE;
    }

  /* Written so that NaN (and json-glib's inf for 1e400) fail too. */
  if (flags & BC_JSON_MAX_EXCLUSIVE)
    in_range = value >= min && value < max;
  else
    in_range = value >= min && value <= max;

  if (!in_range)
    {
      g_autofree char *text = format_double (value);
      g_autofree char *low = format_double (min);
      g_autofree char *high = format_double (max);

      _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE, BC_JSON_PATH_MEMBER (path, member),
                          "%s is out of range (%s to %s%s)", text, low, high,
                          (flags & BC_JSON_MAX_EXCLUSIVE) ? ", exclusive" : "");
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
_bc_json_get_bool (JsonObject        *object,
                   const BcJsonPath  *path,
                   const char        *member,
                   BcJsonFlags        flags,
                   gboolean          *out,
                   GError           **error)
{
  JsonNode *node;

  if (!lookup_member (object, path, member, flags, "a boolean", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      set_wrong_type (error, BC_JSON_PATH_MEMBER (path, member), "a boolean", node);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Enumerations are looked up by their GEnumValue nicks, which are the wire codes. */
gboolean
_bc_json_get_enum (JsonObject        *object,
                   const BcJsonPath  *path,
                   const char        *member,
                   BcJsonFlags        flags,
                   GType              enum_type,
                   int               *out,
                   GError           **error)
{
  const char *code = NULL;
  GEnumClass *klass;
  GEnumValue *value;

  if (!_bc_json_get_string (object, path, member, flags, 0, G_MAXUINT, &code, error))
    return FALSE;
  if (code == NULL)
    return TRUE;

  klass = g_type_class_ref (enum_type);
  value = g_enum_get_value_by_nick (klass, code);
  g_type_class_unref (klass);

  if (value == NULL)
    {
      g_autofree char *quoted = _bc_quote_for_message (code);

      _bc_json_set_error (error, BC_MODEL_ERROR_UNKNOWN_VALUE, BC_JSON_PATH_MEMBER (path, member),
                          "unknown value %s", quoted);
      return FALSE;
    }

  *out = value->value;
  return TRUE;
}

gboolean
_bc_json_get_time (JsonObject        *object,
                   const BcJsonPath  *path,
                   const char        *member,
                   BcJsonFlags        flags,
                   gint64            *out,
                   GError           **error)
{
  const char *text = NULL;

  /* 64 characters is generous for RFC 3339 and keeps absurd strings out of the parser. */
  if (!_bc_json_get_string (object, path, member, flags, 1, 64, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;

  if (!bc_time_parse (text, out, error))
    {
      _bc_json_prefix_error (error, BC_JSON_PATH_MEMBER (path, member));
      return FALSE;
    }

  return TRUE;
}

gboolean
_bc_json_get_object (JsonObject        *object,
                     const BcJsonPath  *path,
                     const char        *member,
                     BcJsonFlags        flags,
                     JsonObject       **out,
                     GError           **error)
{
  JsonNode *node;

  if (!lookup_member (object, path, member, flags, "an object", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  *out = _bc_json_node_get_object (node, BC_JSON_PATH_MEMBER (path, member), error);
  return *out != NULL;
}

gboolean
_bc_json_get_array (JsonObject        *object,
                    const BcJsonPath  *path,
                    const char        *member,
                    BcJsonFlags        flags,
                    guint              min_length,
                    guint              max_length,
                    JsonArray        **out,
                    GError           **error)
{
  JsonNode *node;
  JsonArray *array;
  guint length;

  if (!lookup_member (object, path, member, flags, "an array", &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      set_wrong_type (error, BC_JSON_PATH_MEMBER (path, member), "an array", node);
      return FALSE;
    }

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  if (length < min_length)
    {
      if (length == 0)
        _bc_json_set_error (error, BC_MODEL_ERROR_MISSING_FIELD,
                            BC_JSON_PATH_MEMBER (path, member), "must not be empty");
      else
        _bc_json_set_error (error, BC_MODEL_ERROR_OUT_OF_RANGE,
                            BC_JSON_PATH_MEMBER (path, member), "fewer than %u entries",
                            min_length);
      return FALSE;
    }
  if (length > max_length)
    {
      _bc_json_set_error (error, BC_MODEL_ERROR_TOO_LONG, BC_JSON_PATH_MEMBER (path, member),
                          "more than %u entries", max_length);
      return FALSE;
    }

  *out = array;
  return TRUE;
}

/* A list of positive ids without repeats; lists are short (≤ 64), so the check is quadratic. */
gboolean
_bc_json_get_id_list (JsonObject        *object,
                      const BcJsonPath  *path,
                      const char        *member,
                      BcJsonFlags        flags,
                      guint              min_length,
                      guint              max_length,
                      GArray           **out,
                      GError           **error)
{
  g_autoptr(GArray) ids = NULL;
  JsonArray *array = NULL;
  const BcJsonPath *list_path = BC_JSON_PATH_MEMBER (path, member);
  guint length;

  if (!_bc_json_get_array (object, path, member, flags, min_length, max_length, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;

  length = json_array_get_length (array);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), length);

  for (guint i = 0; i < length; i++)
    {
      const BcJsonPath *item_path = BC_JSON_PATH_INDEX (list_path, i);
      gint64 id;

      if (!_bc_json_node_get_int64 (json_array_get_element (array, i), item_path, 1, G_MAXINT64,
                                    &id, error))
        return FALSE;

      for (guint j = 0; j < ids->len; j++)
        {
          if (g_array_index (ids, gint64, j) == id)
            {
              _bc_json_set_error (error, BC_MODEL_ERROR_DUPLICATE, item_path,
                                  "%" G_GINT64_FORMAT " is listed twice", id);
              return FALSE;
            }
        }

      g_array_append_val (ids, id);
    }

  g_clear_pointer (out, g_array_unref);
  *out = g_steal_pointer (&ids);
  return TRUE;
}

static gboolean
strv_has (const char * const *strv,
          const char         *name)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (strcmp (strv[i], name) == 0)
        return TRUE;
    }
  return FALSE;
}

/*
 * For documents written by clients: every member must be in @allowed. Members in
 * @server_owned get a message saying so, anything else is an unknown field. Both are
 * BC_MODEL_ERROR_FORBIDDEN_FIELD: a typo in a field name must not silently drop data.
 */
gboolean
_bc_json_check_members (JsonObject          *object,
                        const BcJsonPath    *path,
                        const char * const  *allowed,
                        const char * const  *server_owned,
                        GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (strv_has (allowed, name))
        continue;

      if (strv_has (server_owned, name))
        _bc_json_set_error (error, BC_MODEL_ERROR_FORBIDDEN_FIELD, BC_JSON_PATH_MEMBER (path, name),
                            "set by the server, not allowed here");
      else
        _bc_json_set_error (error, BC_MODEL_ERROR_FORBIDDEN_FIELD, BC_JSON_PATH_MEMBER (path, name),
                            "unknown field");
      return FALSE;
    }

  return TRUE;
}

void
_bc_json_set_string (JsonObject *object,
                     const char *member,
                     const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

void
_bc_json_set_time (JsonObject *object,
                   const char *member,
                   gint64      usec)
{
  if (usec != 0)
    {
      g_autofree char *text = bc_time_format (usec);

      json_object_set_string_member (object, member, text);
    }
  else
    {
      json_object_set_null_member (object, member);
    }
}

void
_bc_json_set_id (JsonObject *object,
                 const char *member,
                 gint64      id)
{
  if (id != 0)
    json_object_set_int_member (object, member, id);
  else
    json_object_set_null_member (object, member);
}
