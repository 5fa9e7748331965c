/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-command-parser.h"

#include "bc-incident.h"

#include <glib/gi18n.h>
#include <string.h>

G_DEFINE_QUARK (bk-command-error-quark, bk_command_error)

/* ---- words -------------------------------------------------------------------------------- */

typedef struct
{
  char  *text;        /* unquoted */
  guint  start;       /* character offsets in the line */
  guint  end;
  const char *raw;    /* where the word starts in the line (bytes) */
} Word;

static void
word_clear (gpointer data)
{
  Word *word = data;

  g_free (word->text);
}

/* ASCII blanks and the ideographic space a Chinese input method types. */
static gboolean
is_blank (gunichar c)
{
  return c == ' ' || c == '\t' || c == 0x3000;
}

static gboolean
is_quote (gunichar c)
{
  return c == '"' || c == 0x201C || c == 0x201D;
}

/* Splits @line into words; a word in double quotes ("…" or “…”) may hold blanks. @stop_at,
 * unless -1, is a character offset after which nothing more is read (for completion). */
static GArray *
split_words (const char *line,
             int         stop_at,
             gboolean   *unclosed,
             guint      *unclosed_start)
{
  GArray *words = g_array_new (FALSE, TRUE, sizeof (Word));
  const char *p = line;
  guint offset = 0;

  g_array_set_clear_func (words, word_clear);
  *unclosed = FALSE;

  while (*p != '\0' && (stop_at < 0 || offset < (guint) stop_at))
    {
      gunichar c = g_utf8_get_char (p);
      Word word = { 0 };
      GString *text;

      if (is_blank (c))
        {
          p = g_utf8_next_char (p);
          offset++;
          continue;
        }

      word.start = offset;
      word.raw = p;
      text = g_string_new (NULL);

      if (is_quote (c))
        {
          gboolean closed = FALSE;

          p = g_utf8_next_char (p);
          offset++;
          while (*p != '\0' && (stop_at < 0 || offset < (guint) stop_at))
            {
              c = g_utf8_get_char (p);
              p = g_utf8_next_char (p);
              offset++;
              if (is_quote (c))
                {
                  closed = TRUE;
                  break;
                }
              g_string_append_unichar (text, c);
            }
          if (!closed && stop_at < 0)
            {
              *unclosed = TRUE;
              *unclosed_start = word.start;
            }
        }
      else
        {
          while (*p != '\0' && (stop_at < 0 || offset < (guint) stop_at))
            {
              c = g_utf8_get_char (p);
              if (is_blank (c))
                break;
              g_string_append_unichar (text, c);
              p = g_utf8_next_char (p);
              offset++;
            }
        }

      word.end = offset;
      word.text = g_string_free (text, FALSE);
      g_array_append_val (words, word);
    }

  return words;
}

#define WORD(words, i) (&g_array_index ((words), Word, (i)))

/* ---- vocabulary --------------------------------------------------------------------------- */

typedef struct
{
  const char *word;
  int value;
} Alias;

static const Alias verb_aliases[] = {
  { "d", BK_COMMAND_DISPATCH }, { "dispatch", BK_COMMAND_DISPATCH }, { "派", BK_COMMAND_DISPATCH },
  { "s", BK_COMMAND_STATUS }, { "status", BK_COMMAND_STATUS }, { "状态", BK_COMMAND_STATUS },
  { "n", BK_COMMAND_NEW }, { "new", BK_COMMAND_NEW }, { "新", BK_COMMAND_NEW },
  { "f", BK_COMMAND_FIND }, { "find", BK_COMMAND_FIND }, { "查", BK_COMMAND_FIND },
  { "c", BK_COMMAND_CLOSE }, { "close", BK_COMMAND_CLOSE }, { "结", BK_COMMAND_CLOSE },
};

/* "dispatched" is here so that it gets its own explanation rather than "unknown". */
static const Alias status_aliases[] = {
  { "available", BC_UNIT_STATUS_AVAILABLE }, { "avail", BC_UNIT_STATUS_AVAILABLE },
  { "a", BC_UNIT_STATUS_AVAILABLE }, { "free", BC_UNIT_STATUS_AVAILABLE },
  { "空闲", BC_UNIT_STATUS_AVAILABLE }, { "可用", BC_UNIT_STATUS_AVAILABLE },
  { "待命", BC_UNIT_STATUS_AVAILABLE },
  { "en_route", BC_UNIT_STATUS_EN_ROUTE }, { "enroute", BC_UNIT_STATUS_EN_ROUTE },
  { "er", BC_UNIT_STATUS_EN_ROUTE }, { "e", BC_UNIT_STATUS_EN_ROUTE },
  { "途中", BC_UNIT_STATUS_EN_ROUTE }, { "出发", BC_UNIT_STATUS_EN_ROUTE },
  { "on_scene", BC_UNIT_STATUS_ON_SCENE }, { "onscene", BC_UNIT_STATUS_ON_SCENE },
  { "os", BC_UNIT_STATUS_ON_SCENE }, { "o", BC_UNIT_STATUS_ON_SCENE },
  { "到场", BC_UNIT_STATUS_ON_SCENE }, { "到达", BC_UNIT_STATUS_ON_SCENE },
  { "现场", BC_UNIT_STATUS_ON_SCENE },
  { "off_duty", BC_UNIT_STATUS_OFF_DUTY }, { "offduty", BC_UNIT_STATUS_OFF_DUTY },
  { "off", BC_UNIT_STATUS_OFF_DUTY }, { "下班", BC_UNIT_STATUS_OFF_DUTY },
  { "休息", BC_UNIT_STATUS_OFF_DUTY },
  { "dispatched", BC_UNIT_STATUS_DISPATCHED }, { "已派", BC_UNIT_STATUS_DISPATCHED },
};

static const Alias type_aliases[] = {
  { "刑事", BC_INCIDENT_TYPE_CRIMINAL },
  { "治安", BC_INCIDENT_TYPE_PUBLIC_ORDER },
  { "交通", BC_INCIDENT_TYPE_TRAFFIC }, { "车祸", BC_INCIDENT_TYPE_TRAFFIC },
  { "火灾", BC_INCIDENT_TYPE_FIRE }, { "火警", BC_INCIDENT_TYPE_FIRE },
  { "求助", BC_INCIDENT_TYPE_RESCUE }, { "救援", BC_INCIDENT_TYPE_RESCUE },
  { "纠纷", BC_INCIDENT_TYPE_DISPUTE },
  { "可疑", BC_INCIDENT_TYPE_SUSPICIOUS }, { "可疑情况", BC_INCIDENT_TYPE_SUSPICIOUS },
  { "其他", BC_INCIDENT_TYPE_OTHER }, { "其它", BC_INCIDENT_TYPE_OTHER },
};

static gboolean
lookup_alias (const Alias *aliases,
              gsize        n_aliases,
              const char  *word,
              int         *value)
{
  g_autofree char *folded = g_utf8_strdown (word, -1);

  for (gsize i = 0; i < n_aliases; i++)
    if (g_str_equal (folded, aliases[i].word))
      {
        *value = aliases[i].value;
        return TRUE;
      }

  return FALSE;
}

gboolean
bk_command_parse_status (const char   *word,
                         BcUnitStatus *status)
{
  int value;

  g_return_val_if_fail (word != NULL, FALSE);

  if (lookup_alias (status_aliases, G_N_ELEMENTS (status_aliases), word, &value))
    {
      *status = (BcUnitStatus) value;
      return TRUE;
    }

  /* The display name in the user's language, whatever it is. */
  for (int s = BC_UNIT_STATUS_AVAILABLE; s <= BC_UNIT_STATUS_OFF_DUTY; s++)
    if (g_utf8_collate (word, bc_unit_status_label ((BcUnitStatus) s)) == 0)
      {
        *status = (BcUnitStatus) s;
        return TRUE;
      }

  return FALSE;
}

gboolean
bk_command_parse_type (const char     *word,
                       BcIncidentType *type)
{
  g_autofree char *folded = NULL;
  int value;
  int found = -1;
  gsize length;

  g_return_val_if_fail (word != NULL, FALSE);

  if (word[0] == '\0')
    return FALSE;

  if (bc_incident_type_from_string (word, type))
    return TRUE;
  if (lookup_alias (type_aliases, G_N_ELEMENTS (type_aliases), word, &value))
    {
      *type = (BcIncidentType) value;
      return TRUE;
    }

  folded = g_utf8_strdown (word, -1);
  length = strlen (folded);
  for (int t = BC_INCIDENT_TYPE_CRIMINAL; t <= BC_INCIDENT_TYPE_OTHER; t++)
    {
      g_autofree char *label = g_utf8_strdown (bc_incident_type_label ((BcIncidentType) t), -1);

      if (g_str_equal (folded, label))
        {
          *type = (BcIncidentType) t;
          return TRUE;
        }
      /* A unique prefix of a code ("traf") is enough. */
      if (strncmp (folded, bc_incident_type_to_string ((BcIncidentType) t), length) == 0)
        {
          if (found >= 0)
            return FALSE;
          found = t;
        }
    }

  if (found < 0)
    return FALSE;
  *type = (BcIncidentType) found;
  return TRUE;
}

gboolean
bk_command_parse_priority (const char *word,
                           int        *priority)
{
  const char *p = word;

  g_return_val_if_fail (word != NULL, FALSE);

  if (*p == 'p' || *p == 'P')
    p++;
  if (p[0] >= '1' && p[0] <= '4' && p[1] == '\0')
    {
      *priority = p[0] - '0';
      return TRUE;
    }

  return FALSE;
}

static gboolean
parse_number (const char *text,
              double     *value)
{
  char *end = NULL;

  if (text[0] == '\0')
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0' && end != text;
}

/* Two numbers joined by a comma (ASCII or full-width); FALSE when the word is anything else.
 * The range is checked by the caller so that it can say what is wrong. */
static gboolean
split_lat_lon (const char *word,
               double     *lat,
               double     *lon)
{
  g_autofree char *copy = g_strdup (word);
  char *comma = strchr (copy, ',');
  const char *full_width = "\xef\xbc\x8c";   /* U+FF0C */
  char *second;

  if (comma != NULL)
    {
      *comma = '\0';
      second = comma + 1;
    }
  else if ((comma = strstr (copy, full_width)) != NULL)
    {
      *comma = '\0';
      second = comma + strlen (full_width);
    }
  else
    return FALSE;

  return parse_number (g_strstrip (copy), lat) && parse_number (g_strstrip (second), lon);
}

gboolean
bk_command_parse_lat_lon (const char *word,
                          double     *lat,
                          double     *lon)
{
  double a, b;

  g_return_val_if_fail (word != NULL, FALSE);

  if (!split_lat_lon (word, &a, &b))
    return FALSE;
  if (a < -90.0 || a > 90.0 || b < -180.0 || b > 180.0)
    return FALSE;
  *lat = a;
  *lon = b;
  return TRUE;
}

static gboolean
is_incident_ref (const char *word)
{
  g_autofree char *upper = g_ascii_strup (word, -1);

  if (strlen (upper) == 4)
    {
      for (guint i = 0; i < 4; i++)
        if (!g_ascii_isdigit (upper[i]))
          return FALSE;
      return TRUE;
    }

  return bc_incident_number_is_valid (upper, NULL);
}

char *
bk_command_expand_incident (const char *ref,
                            GDateTime  *today)
{
  g_autofree char *date = NULL;

  g_return_val_if_fail (ref != NULL, NULL);
  g_return_val_if_fail (today != NULL, NULL);

  if (strlen (ref) != 4)
    return g_ascii_strup (ref, -1);

  date = g_date_time_format (today, "%Y%m%d");
  return g_strdup_printf ("JQ%s%s", date, ref);
}

/* ---- dispositions ------------------------------------------------------------------------- */

typedef struct
{
  const char *code;
  const char *label;
  const char *zh;      /* so that a Chinese word works in any locale */
} Disposition;

static const Disposition dispositions[] = {
  { "resolved", N_("Resolved on scene"), "现场处置" },
  { "arrested", N_("Suspect arrested"), "抓获嫌疑人" },
  { "mediated", N_("Mediated"), "调解处理" },
  { "warned", N_("Warning given"), "批评教育" },
  { "case_filed", N_("Case filed"), "受案立案" },
  { "transferred", N_("Transferred to another agency"), "移交处理" },
  { "assisted", N_("Assistance given"), "救助完毕" },
  { "no_trace", N_("Nothing found on arrival"), "到场未发现" },
  { "false_alarm", N_("False alarm"), "误报谎报" },
  { "duplicate", N_("Duplicate report"), "重复报警" },
  { "other", N_("Other"), "其他" },
};

guint
bk_disposition_get_n (void)
{
  return G_N_ELEMENTS (dispositions);
}

const char *
bk_disposition_get_code (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (dispositions), NULL);

  return dispositions[index].code;
}

const char *
bk_disposition_get_label (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (dispositions), NULL);

  return _(dispositions[index].label);
}

const char *
bk_disposition_label_for (const char *code)
{
  if (code == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    if (g_str_equal (code, dispositions[i].code))
      return _(dispositions[i].label);

  return code;
}

const char *
bk_disposition_lookup (const char *word)
{
  g_autofree char *folded = NULL;
  const char *found = NULL;
  gsize length;

  g_return_val_if_fail (word != NULL, NULL);

  if (word[0] == '\0')
    return NULL;

  folded = g_utf8_strdown (word, -1);
  length = strlen (folded);

  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    {
      g_autofree char *label = g_utf8_strdown (_(dispositions[i].label), -1);

      if (g_str_equal (folded, dispositions[i].code) || g_str_equal (folded, label)
          || g_str_equal (folded, dispositions[i].zh))
        return dispositions[i].code;
    }

  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    if (strncmp (folded, dispositions[i].code, length) == 0)
      {
        if (found != NULL)
          return NULL;   /* ambiguous */
        found = dispositions[i].code;
      }

  return found;
}

static char *
disposition_codes_text (void)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, dispositions[i].code);
    }

  return g_string_free (text, FALSE);
}

/* ---- parsing ------------------------------------------------------------------------------ */

void
bk_command_free (BkCommand *command)
{
  if (command == NULL)
    return;

  g_free (command->incident);
  g_clear_pointer (&command->units, g_ptr_array_unref);
  g_free (command->place);
  g_free (command->text);
  g_free (command->disposition);
  g_free (command);
}

static const char *
usage (BkCommandKind kind)
{
  switch (kind)
    {
    case BK_COMMAND_DISPATCH:
      return _("d INCIDENT UNIT [UNIT…]");
    case BK_COMMAND_STATUS:
      return _("s UNIT STATUS");
    case BK_COMMAND_NEW:
      return _("n TYPE PRIORITY PLACE|LAT,LON [DESCRIPTION]");
    case BK_COMMAND_FIND:
      return _("f TEXT");
    case BK_COMMAND_CLOSE:
      return _("c INCIDENT CODE");
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  guint *start;
  guint *end;
  guint line_length;
} Span;

static void
set_span (Span  *span,
          guint  start,
          guint  end)
{
  if (span->start != NULL)
    *span->start = start;
  if (span->end != NULL)
    *span->end = end;
}

static BkCommand *
fail (GError    **error,
      Span       *span,
      const Word *word,
      int         code,
      char       *message)
{
  if (word != NULL)
    set_span (span, word->start, word->end);
  else
    set_span (span, 0, span->line_length);
  g_set_error_literal (error, BK_COMMAND_ERROR, code, message);
  g_free (message);
  return NULL;
}

static BkCommand *
fail_missing (GError       **error,
              Span          *span,
              BkCommandKind  kind,
              const char    *what)
{
  /* Translators: the first %s says what is missing, the second is the command's form,
   * e.g. "Missing the unit: s UNIT STATUS" */
  return fail (error, span, NULL, BK_COMMAND_ERROR_MISSING_ARGUMENT,
               g_strdup_printf (_("Missing %s: %s"), what, usage (kind)));
}

static BkCommand *
fail_too_many (GError       **error,
               Span          *span,
               const Word    *word,
               BkCommandKind  kind)
{
  return fail (error, span, word, BK_COMMAND_ERROR_TOO_MANY_ARGUMENTS,
               g_strdup_printf (_("Too many words from “%s” on: %s"), word->text, usage (kind)));
}

static gboolean
check_incident (const Word  *word,
                Span        *span,
                GError     **error)
{
  if (is_incident_ref (word->text))
    return TRUE;

  fail (error, span, word, BK_COMMAND_ERROR_BAD_INCIDENT,
        g_strdup_printf (_("“%s” is not an incident: give its number (JQ…) or the last 4 digits "
                           "of one of today’s."), word->text));
  return FALSE;
}

/* The raw rest of the line from @word on, so a description keeps its own spacing; a single
 * quoted word loses its quotes. */
static char *
rest_of_line (GArray *words,
              guint   first)
{
  char *text;

  if (first >= words->len)
    return g_strdup ("");
  if (first == words->len - 1)
    return g_strdup (WORD (words, first)->text);

  text = g_strdup (WORD (words, first)->raw);
  return g_strstrip (text);
}

BkCommand *
bk_command_parse (const char  *line,
                  guint       *error_start,
                  guint       *error_end,
                  GError     **error)
{
  g_autoptr(GArray) words = NULL;
  g_autoptr(BkCommand) command = NULL;
  Span span = { error_start, error_end, 0 };
  gboolean unclosed;
  guint unclosed_start = 0;
  const char *verb;
  int kind;

  g_return_val_if_fail (line != NULL, NULL);

  if (!g_utf8_validate (line, -1, NULL))
    return fail (error, &span, NULL, BK_COMMAND_ERROR_EMPTY, g_strdup (_("The text is not valid UTF-8.")));

  span.line_length = (guint) g_utf8_strlen (line, -1);
  words = split_words (line, -1, &unclosed, &unclosed_start);

  if (unclosed)
    {
      set_span (&span, unclosed_start, span.line_length);
      g_set_error_literal (error, BK_COMMAND_ERROR, BK_COMMAND_ERROR_UNCLOSED_QUOTE,
                           _("A quotation mark is not closed."));
      return NULL;
    }

  if (words->len == 0)
    return fail (error, &span, NULL, BK_COMMAND_ERROR_EMPTY,
                 g_strdup (_("Type a command: d (dispatch), s (unit status), n (new incident), "
                             "f (find) or c (close).")));

  /* "/" opens the command line; tolerate it when it was typed into the line as well. */
  verb = WORD (words, 0)->text;
  if (verb[0] == '/' && verb[1] != '\0')
    verb++;

  if (!lookup_alias (verb_aliases, G_N_ELEMENTS (verb_aliases), verb, &kind))
    return fail (error, &span, WORD (words, 0), BK_COMMAND_ERROR_UNKNOWN_COMMAND,
                 g_strdup_printf (_("“%s” is not a command: use d (dispatch), s (unit status), "
                                    "n (new incident), f (find) or c (close)."),
                                  WORD (words, 0)->text));

  command = g_new0 (BkCommand, 1);
  command->kind = (BkCommandKind) kind;

  switch (command->kind)
    {
    case BK_COMMAND_DISPATCH:
      if (words->len < 2)
        return fail_missing (error, &span, command->kind, _("the incident"));
      if (!check_incident (WORD (words, 1), &span, error))
        return NULL;
      if (words->len < 3)
        return fail_missing (error, &span, command->kind, _("the units"));
      command->incident = g_ascii_strup (WORD (words, 1)->text, -1);
      command->units = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 2; i < words->len; i++)
        {
          const Word *word = WORD (words, i);

          for (guint j = 0; j < command->units->len; j++)
            if (g_str_equal (g_ptr_array_index (command->units, j), word->text))
              return fail (error, &span, word, BK_COMMAND_ERROR_DUPLICATE_UNIT,
                           g_strdup_printf (_("%s is named twice."), word->text));
          g_ptr_array_add (command->units, g_strdup (word->text));
        }
      break;

    case BK_COMMAND_STATUS:
      {
        BcUnitStatus status;

        if (words->len < 2)
          return fail_missing (error, &span, command->kind, _("the unit"));
        if (words->len < 3)
          return fail_missing (error, &span, command->kind, _("the status"));
        if (words->len > 3)
          return fail_too_many (error, &span, WORD (words, 3), command->kind);
        if (!bk_command_parse_status (WORD (words, 2)->text, &status))
          return fail (error, &span, WORD (words, 2), BK_COMMAND_ERROR_BAD_STATUS,
                       g_strdup_printf (_("“%s” is not a unit status: use available, en_route, "
                                          "on_scene or off_duty."), WORD (words, 2)->text));
        if (status == BC_UNIT_STATUS_DISPATCHED)
          return fail (error, &span, WORD (words, 2), BK_COMMAND_ERROR_BAD_STATUS,
                       g_strdup (_("A unit becomes dispatched by an order: use d INCIDENT UNIT.")));
        command->units = g_ptr_array_new_with_free_func (g_free);
        g_ptr_array_add (command->units, g_strdup (WORD (words, 1)->text));
        command->status = status;
      }
      break;

    case BK_COMMAND_NEW:
      {
        const Word *where;
        double lat, lon;

        if (words->len < 2)
          return fail_missing (error, &span, command->kind, _("the type"));
        if (!bk_command_parse_type (WORD (words, 1)->text, &command->type))
          return fail (error, &span, WORD (words, 1), BK_COMMAND_ERROR_BAD_TYPE,
                       g_strdup_printf (_("“%s” is not an incident type: use criminal, "
                                          "public_order, traffic, fire, rescue, dispute, "
                                          "suspicious or other."), WORD (words, 1)->text));
        if (words->len < 3)
          return fail_missing (error, &span, command->kind, _("the priority"));
        if (!bk_command_parse_priority (WORD (words, 2)->text, &command->priority))
          return fail (error, &span, WORD (words, 2), BK_COMMAND_ERROR_BAD_PRIORITY,
                       g_strdup_printf (_("“%s” is not a priority: use 1 (highest) to 4."),
                                        WORD (words, 2)->text));
        if (words->len < 4)
          return fail_missing (error, &span, command->kind, _("the place or coordinates"));

        where = WORD (words, 3);
        if (split_lat_lon (where->text, &lat, &lon))
          {
            if (!bk_command_parse_lat_lon (where->text, &lat, &lon))
              return fail (error, &span, where, BK_COMMAND_ERROR_BAD_LOCATION,
                           g_strdup_printf (_("“%s” is out of range: latitude −90 to 90, "
                                              "longitude −180 to 180."), where->text));
            command->has_location = TRUE;
            command->lat = lat;
            command->lon = lon;
          }
        else if (g_str_has_suffix (where->text, ",") && words->len > 4)
          {
            /* "31.03, 112.20": the blank after the comma split the pair. */
            g_autofree char *joined = g_strconcat (where->text, WORD (words, 4)->text, NULL);

            if (!bk_command_parse_lat_lon (joined, &lat, &lon))
              return fail (error, &span, where, BK_COMMAND_ERROR_BAD_LOCATION,
                           g_strdup_printf (_("“%s” is out of range: latitude −90 to 90, "
                                              "longitude −180 to 180."), joined));
            command->has_location = TRUE;
            command->lat = lat;
            command->lon = lon;
            command->text = rest_of_line (words, 5);
            break;
          }
        else
          {
            command->place = g_strdup (where->text);
          }
        command->text = rest_of_line (words, 4);
      }
      break;

    case BK_COMMAND_FIND:
      if (words->len < 2)
        return fail_missing (error, &span, command->kind, _("what to find"));
      command->text = rest_of_line (words, 1);
      break;

    case BK_COMMAND_CLOSE:
      {
        const char *code;

        if (words->len < 2)
          return fail_missing (error, &span, command->kind, _("the incident"));
        if (!check_incident (WORD (words, 1), &span, error))
          return NULL;
        if (words->len < 3)
          return fail_missing (error, &span, command->kind, _("the disposition code"));
        if (words->len > 3)
          return fail_too_many (error, &span, WORD (words, 3), command->kind);
        code = bk_disposition_lookup (WORD (words, 2)->text);
        if (code == NULL)
          {
            g_autofree char *codes = disposition_codes_text ();
            return fail (error, &span, WORD (words, 2), BK_COMMAND_ERROR_BAD_DISPOSITION,
                         g_strdup_printf (_("“%s” is not a disposition code: use one of %s."),
                                          WORD (words, 2)->text, codes));
          }
        command->incident = g_ascii_strup (WORD (words, 1)->text, -1);
        command->disposition = g_strdup (code);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  return g_steal_pointer (&command);
}

BkCommandSlot
bk_command_slot_at (const char  *line,
                    guint        cursor,
                    guint       *word_start,
                    char       **word)
{
  g_autoptr(GArray) words = NULL;
  gboolean unclosed;
  guint unclosed_start;
  guint index;
  guint length;
  const char *at;
  int kind;

  g_return_val_if_fail (line != NULL, BK_COMMAND_SLOT_NONE);

  length = (guint) g_utf8_strlen (line, -1);
  cursor = MIN (cursor, length);
  words = split_words (line, (int) cursor, &unclosed, &unclosed_start);

  /* Right after a blank, the cursor starts a new, empty word. */
  at = g_utf8_offset_to_pointer (line, cursor);
  if (words->len == 0 || WORD (words, words->len - 1)->end < cursor
      || (cursor > 0 && is_blank (g_utf8_get_char (g_utf8_prev_char (at)))))
    {
      index = words->len;
      if (word_start != NULL)
        *word_start = cursor;
      if (word != NULL)
        *word = g_strdup ("");
    }
  else
    {
      index = words->len - 1;
      if (word_start != NULL)
        *word_start = WORD (words, index)->start;
      if (word != NULL)
        *word = g_strdup (WORD (words, index)->text);
    }

  if (index == 0)
    return BK_COMMAND_SLOT_VERB;

  {
    const char *verb = WORD (words, 0)->text;

    if (verb[0] == '/' && verb[1] != '\0')
      verb++;
    if (!lookup_alias (verb_aliases, G_N_ELEMENTS (verb_aliases), verb, &kind))
      return BK_COMMAND_SLOT_NONE;
  }

  switch ((BkCommandKind) kind)
    {
    case BK_COMMAND_DISPATCH:
      return index == 1 ? BK_COMMAND_SLOT_INCIDENT : BK_COMMAND_SLOT_UNIT;
    case BK_COMMAND_STATUS:
      return index == 1 ? BK_COMMAND_SLOT_UNIT
             : index == 2 ? BK_COMMAND_SLOT_STATUS : BK_COMMAND_SLOT_NONE;
    case BK_COMMAND_NEW:
      return index == 1 ? BK_COMMAND_SLOT_TYPE
             : index == 2 ? BK_COMMAND_SLOT_PRIORITY
             : index == 3 ? BK_COMMAND_SLOT_PLACE : BK_COMMAND_SLOT_TEXT;
    case BK_COMMAND_FIND:
      return BK_COMMAND_SLOT_TEXT;
    case BK_COMMAND_CLOSE:
      return index == 1 ? BK_COMMAND_SLOT_INCIDENT
             : index == 2 ? BK_COMMAND_SLOT_DISPOSITION : BK_COMMAND_SLOT_NONE;
    default:
      return BK_COMMAND_SLOT_NONE;
    }
}
