/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

/* The dispatcher's command line (docs/dispatcher.md), parsed without GTK so that it can be
 * tested on its own:
 *
 *   d INCIDENT UNIT [UNIT…]          dispatch one order to 1..N units
 *   s UNIT STATUS                    set a unit's status
 *   n TYPE PRIORITY PLACE|LAT,LON [TEXT]   new incident
 *   f TEXT                           find
 *   c INCIDENT CODE                  close with a disposition code
 *
 * INCIDENT is a full number (JQ202611240007) or the last 4 digits of one of today's. Units
 * are call signs. Words may be quoted ("象山大道 北段"). Names (call signs, places, whether an
 * incident exists) are resolved by the caller against the live state; the parser checks
 * everything it can from the text alone. Error messages are translated. */

typedef enum
{
  BK_COMMAND_DISPATCH,
  BK_COMMAND_STATUS,
  BK_COMMAND_NEW,
  BK_COMMAND_FIND,
  BK_COMMAND_CLOSE,
} BkCommandKind;

#define BK_COMMAND_ERROR (bk_command_error_quark ())

typedef enum
{
  BK_COMMAND_ERROR_EMPTY,
  BK_COMMAND_ERROR_UNKNOWN_COMMAND,
  BK_COMMAND_ERROR_MISSING_ARGUMENT,
  BK_COMMAND_ERROR_TOO_MANY_ARGUMENTS,
  BK_COMMAND_ERROR_UNCLOSED_QUOTE,
  BK_COMMAND_ERROR_BAD_INCIDENT,
  BK_COMMAND_ERROR_BAD_STATUS,
  BK_COMMAND_ERROR_BAD_TYPE,
  BK_COMMAND_ERROR_BAD_PRIORITY,
  BK_COMMAND_ERROR_BAD_LOCATION,
  BK_COMMAND_ERROR_BAD_DISPOSITION,
  BK_COMMAND_ERROR_DUPLICATE_UNIT,
} BkCommandError;

GQuark bk_command_error_quark (void);

typedef struct
{
  BkCommandKind  kind;
  char          *incident;      /* DISPATCH, CLOSE: "JQ…" (upper case) or 4 digits */
  GPtrArray     *units;         /* DISPATCH: call signs (char*); STATUS: exactly one */
  BcUnitStatus   status;        /* STATUS (never DISPATCHED) */
  BcIncidentType type;          /* NEW */
  int            priority;      /* NEW: 1..4 */
  gboolean       has_location;  /* NEW: lat, lon typed */
  double         lat;
  double         lon;
  char          *place;         /* NEW: place name when no coordinates were typed */
  char          *text;          /* NEW: description (may be ""); FIND: what to find */
  char          *disposition;   /* CLOSE: a code of bk_disposition_* */
} BkCommand;

void       bk_command_free          (BkCommand   *command);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BkCommand, bk_command_free)

/* Parses one line. On error, *@error_start and *@error_end (may be NULL) give the span of
 * the offending word in characters (the whole line when no word is to blame). */
BkCommand *bk_command_parse         (const char  *line,
                                     guint       *error_start,
                                     guint       *error_end,
                                     GError     **error);

/* "1234" and today → "JQ202611241234"; a full number is returned upper-cased. */
char      *bk_command_expand_incident (const char *ref,
                                       GDateTime  *today);

/* What the word at the cursor stands for, for completion. */
typedef enum
{
  BK_COMMAND_SLOT_NONE,
  BK_COMMAND_SLOT_VERB,
  BK_COMMAND_SLOT_INCIDENT,
  BK_COMMAND_SLOT_UNIT,
  BK_COMMAND_SLOT_STATUS,
  BK_COMMAND_SLOT_TYPE,
  BK_COMMAND_SLOT_PRIORITY,
  BK_COMMAND_SLOT_PLACE,
  BK_COMMAND_SLOT_DISPOSITION,
  BK_COMMAND_SLOT_TEXT,
} BkCommandSlot;

/* The slot of the word that ends at @cursor (a character offset) and where that word starts;
 * *@word is set to the part typed so far (newly allocated). */
BkCommandSlot bk_command_slot_at    (const char  *line,
                                     guint        cursor,
                                     guint       *word_start,
                                     char       **word);

/* Words accepted for a unit status / incident type (also used to complete them). */
gboolean   bk_command_parse_status  (const char     *word,
                                     BcUnitStatus   *status);
gboolean   bk_command_parse_type    (const char     *word,
                                     BcIncidentType *type);
gboolean   bk_command_parse_priority (const char    *word,
                                      int           *priority);
/* "31.03,112.20" (also with a full-width comma). */
gboolean   bk_command_parse_lat_lon (const char     *word,
                                     double         *lat,
                                     double         *lon);

/* ---- Disposition codes (why an incident was closed) ----------------------------------- */

guint        bk_disposition_get_n     (void);
const char  *bk_disposition_get_code  (guint        index);
/* Translated. */
const char  *bk_disposition_get_label (guint        index);
/* The label of a code, or the code itself when it is not one of ours. */
const char  *bk_disposition_label_for (const char  *code);
/* A code, a unique prefix of one, or a label (any language we know) → the code. */
const char  *bk_disposition_lookup    (const char  *word);

G_END_DECLS
