/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "bk-command-parser.h"
#include "bk-gazetteer.h"

/* The dispatcher's command line parser (src/console/bk-command-parser.c), without GTK: a
 * table of lines and what each must give, then completion slots and helpers; and the gazetteer
 * of place names it resolves PLACE with (src/console/bk-gazetteer.c, the training basemap's
 * data from the source tree). */

typedef struct
{
  const char *name;
  const char *line;
  /* Expected on success (error_code < 0). */
  int         kind;
  const char *incident;
  const char *units;        /* call signs joined by '|' */
  int         status;
  int         type;
  int         priority;
  gboolean    has_location;
  double      lat;
  double      lon;
  const char *place;
  const char *text;
  const char *disposition;
  /* Expected on failure. */
  int         error_code;
  guint       error_start;
  guint       error_end;
} ParseCase;

#define OK -1

static const ParseCase parse_cases[] = {
  /* dispatch */
  { "dispatch/last-four-digits", "d 0007 东宝巡01", BK_COMMAND_DISPATCH, "0007", "东宝巡01", .error_code = OK },
  { "dispatch/full-number-two-units", "d JQ202611240007 东宝巡01 东宝巡02", BK_COMMAND_DISPATCH, "JQ202611240007",
    "东宝巡01|东宝巡02", .error_code = OK },
  { "dispatch/case-and-blanks", "  D  jq202611240007   交警01 ", BK_COMMAND_DISPATCH, "JQ202611240007", "交警01",
    .error_code = OK },
  { "dispatch/long-verb-three-units", "dispatch 1234 A1 B2 C3", BK_COMMAND_DISPATCH, "1234", "A1|B2|C3", .error_code = OK },
  { "dispatch/chinese-verb-ideographic-space", "派\u30001234\u3000东宝巡03", BK_COMMAND_DISPATCH, "1234", "东宝巡03", .error_code = OK },
  { "dispatch/leading-slash", "/d 1234 x", BK_COMMAND_DISPATCH, "1234", "x", .error_code = OK },
  { "dispatch/quoted-words", "d \"1234\" \"特警 01\"", BK_COMMAND_DISPATCH, "1234", "特警 01", .error_code = OK },
  { "dispatch/missing-incident", "d", .error_code = BK_COMMAND_ERROR_MISSING_ARGUMENT, 0, 1 },
  { "dispatch/missing-units", "d 1234", .error_code = BK_COMMAND_ERROR_MISSING_ARGUMENT, 0, 6 },
  { "dispatch/three-digits-rejected", "d 123 东宝巡01", .error_code = BK_COMMAND_ERROR_BAD_INCIDENT, 2, 5 },
  { "dispatch/five-digits-rejected", "d 12345 东宝巡01", .error_code = BK_COMMAND_ERROR_BAD_INCIDENT, 2, 7 },
  { "dispatch/impossible-date-rejected", "d JQ202613400001 东宝巡01", .error_code = BK_COMMAND_ERROR_BAD_INCIDENT, 2, 16 },
  { "dispatch/letters-rejected", "d abcd 东宝巡01", .error_code = BK_COMMAND_ERROR_BAD_INCIDENT, 2, 6 },
  { "dispatch/unit-named-twice", "d 1234 东宝巡01 东宝巡01", .error_code = BK_COMMAND_ERROR_DUPLICATE_UNIT, 13, 18 },
  /* status */
  { "status/available", "s 东宝巡01 available", BK_COMMAND_STATUS, NULL, "东宝巡01", BC_UNIT_STATUS_AVAILABLE,
    .error_code = OK },
  { "status/chinese-on-scene", "s 东宝巡01 到场", BK_COMMAND_STATUS, NULL, "东宝巡01", BC_UNIT_STATUS_ON_SCENE,
    .error_code = OK },
  { "status/short-en-route", "S 交警01 ER", BK_COMMAND_STATUS, NULL, "交警01", BC_UNIT_STATUS_EN_ROUTE, .error_code = OK },
  { "status/off-duty", "status 交警01 off", BK_COMMAND_STATUS, NULL, "交警01", BC_UNIT_STATUS_OFF_DUTY,
    .error_code = OK },
  { "status/missing-status", "s 交警01", .error_code = BK_COMMAND_ERROR_MISSING_ARGUMENT, 0, 6 },
  { "status/unknown-status", "s 交警01 flying", .error_code = BK_COMMAND_ERROR_BAD_STATUS, 7, 13 },
  { "status/dispatched-refused", "s 交警01 dispatched", .error_code = BK_COMMAND_ERROR_BAD_STATUS, 7, 17 },
  { "status/too-many-words", "s 交警01 available now", .error_code = BK_COMMAND_ERROR_TOO_MANY_ARGUMENTS, 17, 20 },
  /* new incident */
  { "new/place-and-text", "n traffic 2 象山大道与白庙路交叉口 两车相撞 无人受伤", BK_COMMAND_NEW, .type = BC_INCIDENT_TYPE_TRAFFIC,
    .priority = 2, .place = "象山大道与白庙路交叉口", .text = "两车相撞 无人受伤", .error_code = OK },
  { "new/chinese-type-p-priority-coordinates", "n 刑事 P1 31.0355,112.2040 持刀抢劫", BK_COMMAND_NEW, .type = BC_INCIDENT_TYPE_CRIMINAL,
    .priority = 1, .has_location = TRUE, .lat = 31.0355, .lon = 112.2040, .text = "持刀抢劫",
    .error_code = OK },
  { "new/full-width-comma", "n fire 1 31.0355，112.2040", BK_COMMAND_NEW, .type = BC_INCIDENT_TYPE_FIRE, .priority = 1,
    .has_location = TRUE, .lat = 31.0355, .lon = 112.2040, .text = "", .error_code = OK },
  { "new/comma-blank-coordinates", "n susp 3 31.03, 112.20 可疑人员", BK_COMMAND_NEW, .type = BC_INCIDENT_TYPE_SUSPICIOUS,
    .priority = 3, .has_location = TRUE, .lat = 31.03, .lon = 112.20, .text = "可疑人员",
    .error_code = OK },
  { "new/quoted-place", "n dispute 4 \"月亮湖路 32号\" 邻里纠纷", BK_COMMAND_NEW, .type = BC_INCIDENT_TYPE_DISPUTE,
    .priority = 4, .place = "月亮湖路 32号", .text = "邻里纠纷", .error_code = OK },
  { "new/unknown-type", "n flood 2 荆门站", .error_code = BK_COMMAND_ERROR_BAD_TYPE, 2, 7 },
  { "new/type-prefix", "n t 2 荆门站", BK_COMMAND_NEW, .type = BC_INCIDENT_TYPE_TRAFFIC, .priority = 2,
    .place = "荆门站", .text = "", .error_code = OK },
  { "new/priority-five", "n traffic 5 荆门站", .error_code = BK_COMMAND_ERROR_BAD_PRIORITY, 10, 11 },
  { "new/priority-zero", "n traffic 0 荆门站", .error_code = BK_COMMAND_ERROR_BAD_PRIORITY, 10, 11 },
  { "new/missing-place", "n traffic 2", .error_code = BK_COMMAND_ERROR_MISSING_ARGUMENT, 0, 11 },
  { "new/latitude-out-of-range", "n traffic 2 95.0,112.2", .error_code = BK_COMMAND_ERROR_BAD_LOCATION, 12, 22 },
  { "new/longitude-out-of-range", "n traffic 2 31.0,212.2", .error_code = BK_COMMAND_ERROR_BAD_LOCATION, 12, 22 },
  /* find */
  { "find/one-word", "f 东宝巡01", BK_COMMAND_FIND, .text = "东宝巡01", .error_code = OK },
  { "find/keeps-spacing", "find 象山 大道", BK_COMMAND_FIND, .text = "象山 大道", .error_code = OK },
  { "find/missing-text", "f", .error_code = BK_COMMAND_ERROR_MISSING_ARGUMENT, 0, 1 },
  /* close */
  { "close/code", "c 0007 resolved", BK_COMMAND_CLOSE, "0007", .disposition = "resolved", .error_code = OK },
  { "close/unique-prefix", "c 0007 arr", BK_COMMAND_CLOSE, "0007", .disposition = "arrested", .error_code = OK },
  { "close/chinese-label", "c 0007 误报谎报", BK_COMMAND_CLOSE, "0007", .disposition = "false_alarm", .error_code = OK },
  { "close/ambiguous-prefix", "c 0007 a", .error_code = BK_COMMAND_ERROR_BAD_DISPOSITION, 7, 8 },   /* arrested/assisted */
  { "close/unknown-code", "c 0007 nonsense", .error_code = BK_COMMAND_ERROR_BAD_DISPOSITION, 7, 15 },
  { "close/missing-code", "c 0007", .error_code = BK_COMMAND_ERROR_MISSING_ARGUMENT, 0, 6 },
  { "close/too-many-words", "c 0007 resolved extra", .error_code = BK_COMMAND_ERROR_TOO_MANY_ARGUMENTS, 16, 21 },
  /* anything else */
  { "empty/nothing", "", .error_code = BK_COMMAND_ERROR_EMPTY, 0, 0 },
  { "empty/blanks", "   ", .error_code = BK_COMMAND_ERROR_EMPTY, 0, 3 },
  { "verb/unknown", "x 0007", .error_code = BK_COMMAND_ERROR_UNKNOWN_COMMAND, 0, 1 },
  { "verb/not-a-prefix", "dispatchx 0007 a", .error_code = BK_COMMAND_ERROR_UNKNOWN_COMMAND, 0, 9 },
  { "quote/unclosed", "d 0007 \"东宝巡01", .error_code = BK_COMMAND_ERROR_UNCLOSED_QUOTE, 7, 13 },
};

static void
check_units (BkCommand  *command,
             const char *expected)
{
  g_auto(GStrv) names = NULL;

  if (expected == NULL)
    {
      g_assert_true (command->units == NULL || command->units->len == 0);
      return;
    }

  names = g_strsplit (expected, "|", -1);
  g_assert_nonnull (command->units);
  g_assert_cmpuint (command->units->len, ==, g_strv_length (names));
  for (guint i = 0; names[i] != NULL; i++)
    g_assert_cmpstr (g_ptr_array_index (command->units, i), ==, names[i]);
}

static void
test_parse_case (gconstpointer data)
{
  const ParseCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkCommand) command = NULL;
  guint start = G_MAXUINT, end = G_MAXUINT;

  command = bk_command_parse (c->line, &start, &end, &error);

  if (c->error_code != OK)
    {
      g_assert_null (command);
      g_assert_error (error, BK_COMMAND_ERROR, c->error_code);
      g_assert_nonnull (error->message);
      g_assert_cmpstr (error->message, !=, "");
      g_assert_cmpuint (start, ==, c->error_start);
      g_assert_cmpuint (end, ==, c->error_end);
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (command);
  g_assert_cmpint (command->kind, ==, c->kind);
  g_assert_cmpstr (command->incident, ==, c->incident);
  check_units (command, c->units);

  switch (command->kind)
    {
    case BK_COMMAND_STATUS:
      g_assert_cmpint (command->status, ==, c->status);
      break;

    case BK_COMMAND_NEW:
      g_assert_cmpint (command->type, ==, c->type);
      g_assert_cmpint (command->priority, ==, c->priority);
      g_assert_cmpint (command->has_location, ==, c->has_location);
      if (c->has_location)
        {
          g_assert_cmpfloat_with_epsilon (command->lat, c->lat, 1e-9);
          g_assert_cmpfloat_with_epsilon (command->lon, c->lon, 1e-9);
        }
      g_assert_cmpstr (command->place, ==, c->place);
      g_assert_cmpstr (command->text, ==, c->text);
      break;

    case BK_COMMAND_FIND:
      g_assert_cmpstr (command->text, ==, c->text);
      break;

    case BK_COMMAND_CLOSE:
      g_assert_cmpstr (command->disposition, ==, c->disposition);
      break;

    case BK_COMMAND_DISPATCH:
    default:
      break;
    }
}

/* ---- completion slots ---------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *line;
  int cursor;           /* -1: the end */
  BkCommandSlot slot;
  const char *word;
  guint word_start;
} SlotCase;

static const SlotCase slot_cases[] = {
  { "empty-line-is-verb", "", -1, BK_COMMAND_SLOT_VERB, "", 0 },
  { "partial-verb", "d", -1, BK_COMMAND_SLOT_VERB, "d", 0 },
  { "after-dispatch-verb-incident", "d ", -1, BK_COMMAND_SLOT_INCIDENT, "", 2 },
  { "partial-incident", "d 00", -1, BK_COMMAND_SLOT_INCIDENT, "00", 2 },
  { "dispatch-unit", "d 0007 东宝", -1, BK_COMMAND_SLOT_UNIT, "东宝", 7 },
  { "dispatch-next-unit", "d 0007 东宝巡01 ", -1, BK_COMMAND_SLOT_UNIT, "", 13 },
  { "cursor-inside-line", "d 0007 东宝巡01 东", 4, BK_COMMAND_SLOT_INCIDENT, "00", 2 },
  { "status-unit", "s 交", -1, BK_COMMAND_SLOT_UNIT, "交", 2 },
  { "status-status", "s 交警01 av", -1, BK_COMMAND_SLOT_STATUS, "av", 7 },
  { "status-nothing-more", "s 交警01 available ", -1, BK_COMMAND_SLOT_NONE, "", 17 },
  { "new-type", "n ", -1, BK_COMMAND_SLOT_TYPE, "", 2 },
  { "new-priority", "n traffic ", -1, BK_COMMAND_SLOT_PRIORITY, "", 10 },
  { "new-place", "n traffic 2 象山", -1, BK_COMMAND_SLOT_PLACE, "象山", 12 },
  { "new-description", "n traffic 2 象山 两车", -1, BK_COMMAND_SLOT_TEXT, "两车", 15 },
  { "find-text", "f 东", -1, BK_COMMAND_SLOT_TEXT, "东", 2 },
  { "close-disposition", "c 0007 ", -1, BK_COMMAND_SLOT_DISPOSITION, "", 7 },
  { "close-incident", "c ", -1, BK_COMMAND_SLOT_INCIDENT, "", 2 },
  { "unknown-verb-nothing", "zz ", -1, BK_COMMAND_SLOT_NONE, "", 3 },
};

static void
test_slot_case (gconstpointer data)
{
  const SlotCase *c = data;
  g_autofree char *word = NULL;
  guint start = G_MAXUINT;
  guint cursor = c->cursor < 0 ? (guint) g_utf8_strlen (c->line, -1) : (guint) c->cursor;
  BkCommandSlot slot = bk_command_slot_at (c->line, cursor, &start, &word);

  g_assert_cmpint (slot, ==, c->slot);
  g_assert_cmpstr (word, ==, c->word);
  g_assert_cmpuint (start, ==, c->word_start);
}

/* ---- helpers ------------------------------------------------------------------------------- */

static void
test_expand_incident (void)
{
  g_autoptr(GDateTime) today = g_date_time_new_local (2026, 11, 24, 9, 30, 0);
  g_autofree char *short_ref = bk_command_expand_incident ("0007", today);
  g_autofree char *full = bk_command_expand_incident ("jq202611230012", today);

  g_assert_cmpstr (short_ref, ==, "JQ202611240007");
  g_assert_cmpstr (full, ==, "JQ202611230012");
}

static void
test_dispositions (void)
{
  guint n = bk_disposition_get_n ();

  g_assert_cmpuint (n, >=, 8);
  for (guint i = 0; i < n; i++)
    {
      const char *code = bk_disposition_get_code (i);

      /* The server takes 1–32 characters. */
      g_assert_cmpuint (strlen (code), >=, 1);
      g_assert_cmpuint (strlen (code), <=, 32);
      g_assert_cmpstr (bk_disposition_lookup (code), ==, code);
      g_assert_cmpstr (bk_disposition_lookup (bk_disposition_get_label (i)), ==, code);
      g_assert_cmpstr (bk_disposition_label_for (code), ==, bk_disposition_get_label (i));
    }

  g_assert_cmpstr (bk_disposition_label_for ("made_up"), ==, "made_up");
  g_assert_null (bk_disposition_lookup (""));
}

static void
test_lat_lon (void)
{
  double lat = 0, lon = 0;

  g_assert_true (bk_command_parse_lat_lon ("31.5,112.25", &lat, &lon));
  g_assert_cmpfloat (lat, ==, 31.5);
  g_assert_cmpfloat (lon, ==, 112.25);
  g_assert_true (bk_command_parse_lat_lon ("-90,-180", &lat, &lon));
  g_assert_false (bk_command_parse_lat_lon ("90.1,0", &lat, &lon));
  g_assert_false (bk_command_parse_lat_lon ("31.5", &lat, &lon));
  g_assert_false (bk_command_parse_lat_lon ("31.5,abc", &lat, &lon));
  g_assert_false (bk_command_parse_lat_lon (",", &lat, &lon));
  g_assert_false (isnan (lat));
}

/* ---- gazetteer (the place names of the n command and the new-incident form) --------------- */

static void
test_gazetteer_landmark_and_street (void)
{
  BkGazetteer *gazetteer = bk_gazetteer_get_default ();
  const BkPlace *station, *street;

  g_assert_cmpuint (bk_gazetteer_get_n_places (gazetteer), >, 100);

  station = bk_gazetteer_lookup (gazetteer, "荆门站");
  g_assert_nonnull (station);
  g_assert_cmpint (station->kind, ==, BK_PLACE_LANDMARK);
  g_assert_cmpfloat_with_epsilon (station->lat, 31.0672, 1e-6);
  g_assert_cmpfloat_with_epsilon (station->lon, 112.2452, 1e-6);
  /* Blanks around the name do not matter. */
  g_assert_true (bk_gazetteer_lookup (gazetteer, " 荆门站 ") == station);

  street = bk_gazetteer_lookup (gazetteer, "象山大道");
  g_assert_nonnull (street);
  g_assert_cmpint (street->kind, ==, BK_PLACE_STREET);
  g_assert_null (bk_gazetteer_lookup (gazetteer, "火星基地"));
}

static void
test_gazetteer_crossing_any_order (void)
{
  BkGazetteer *gazetteer = bk_gazetteer_get_default ();
  g_autoptr(GPtrArray) crossings = bk_gazetteer_complete (gazetteer, "象山大道与", 5);
  const BkPlace *crossing;
  g_auto(GStrv) streets = NULL;
  g_autofree char *reversed = NULL;
  g_autofree char *slashed = NULL;

  g_assert_cmpuint (crossings->len, >=, 1);
  crossing = g_ptr_array_index (crossings, 0);
  g_assert_cmpint (crossing->kind, ==, BK_PLACE_INTERSECTION);
  g_assert_true (g_str_has_suffix (crossing->name, "交叉口"));

  /* "A与B交叉口" → also "B和A", "A/B", "B与A路口". */
  streets = g_strsplit (crossing->name, "与", 2);
  streets[1][strlen (streets[1]) - strlen ("交叉口")] = '\0';
  reversed = g_strdup_printf ("%s和%s", streets[1], streets[0]);
  slashed = g_strdup_printf ("%s/%s", streets[0], streets[1]);
  g_assert_true (bk_gazetteer_lookup (gazetteer, reversed) == crossing);
  g_assert_true (bk_gazetteer_lookup (gazetteer, slashed) == crossing);
}

static void
test_gazetteer_complete_prefix_first (void)
{
  BkGazetteer *gazetteer = bk_gazetteer_get_default ();
  g_autoptr(GPtrArray) places = bk_gazetteer_complete (gazetteer, "荆门", 50);
  gboolean seen_inner = FALSE;

  g_assert_cmpuint (places->len, >=, 3);
  /* Names that start with the text come before those that only contain it. */
  for (guint i = 0; i < places->len; i++)
    {
      const BkPlace *place = g_ptr_array_index (places, i);
      gboolean prefix = g_str_has_prefix (place->name, "荆门");

      g_assert_nonnull (strstr (place->name, "荆门"));
      if (!prefix)
        seen_inner = TRUE;
      else
        g_assert_false (seen_inner);
    }

  {
    g_autoptr(GPtrArray) two = bk_gazetteer_complete (gazetteer, "荆门", 2);
    g_autoptr(GPtrArray) none = bk_gazetteer_complete (gazetteer, "", 5);

    g_assert_cmpuint (two->len, ==, 2);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

static void
test_gazetteer_describe (void)
{
  BkGazetteer *gazetteer = bk_gazetteer_get_default ();
  g_autofree char *near_station = bk_gazetteer_describe (gazetteer, 31.0672 + 0.0005, 112.2452);
  g_autofree char *nowhere = bk_gazetteer_describe (gazetteer, 40.0, 116.0);

  g_assert_nonnull (strstr (near_station, "荆门站"));
  g_assert_null (bk_gazetteer_nearest (gazetteer, 40.0, 116.0, 1000.0));
  g_assert_nonnull (strstr (nowhere, "40.00000"));
}

int
main (int    argc,
      char **argv)
{
  /* Messages are checked only for being there, so the locale does not matter. */
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/command-parser/parse/%s", parse_cases[i].name);
      g_test_add_data_func (path, &parse_cases[i], test_parse_case);
    }
  for (guint i = 0; i < G_N_ELEMENTS (slot_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/command-parser/slot/%s", slot_cases[i].name);
      g_test_add_data_func (path, &slot_cases[i], test_slot_case);
    }
  g_test_add_func ("/command-parser/incident/expand-last-four-digits", test_expand_incident);
  g_test_add_func ("/command-parser/disposition/codes-labels-lookup", test_dispositions);
  g_test_add_func ("/command-parser/location/lat-lon", test_lat_lon);
  g_test_add_func ("/gazetteer/lookup/landmark-and-street", test_gazetteer_landmark_and_street);
  g_test_add_func ("/gazetteer/lookup/crossing-in-any-order", test_gazetteer_crossing_any_order);
  g_test_add_func ("/gazetteer/complete/prefix-first", test_gazetteer_complete_prefix_first);
  g_test_add_func ("/gazetteer/describe/nearest-place-or-coordinates", test_gazetteer_describe);

  return g_test_run ();
}
