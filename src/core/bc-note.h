/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BC_NOTE_TEXT_MAX 4000

#define BC_TYPE_NOTE (bc_note_get_type ())

/* A narrative note (备注) on an incident. Notes are append-only, so there is nothing to notify. */
typedef struct _BcNote BcNote;

struct _BcNote
{
  gint64  id;
  gint64  incident;
  char   *author;  /* user name */
  gint64  at;
  char   *text;
};

GType     bc_note_get_type          (void) G_GNUC_CONST;
BcNote   *bc_note_new               (void);
BcNote   *bc_note_ref               (BcNote      *self);
void      bc_note_unref             (BcNote      *self);

BcNote   *bc_note_from_json         (JsonNode    *node,
                                     GError     **error);
BcNote   *bc_note_from_json_string  (const char  *data,
                                     gssize       length,
                                     GError     **error);
JsonNode *bc_note_to_json           (BcNote      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcNote, bc_note_unref)

G_END_DECLS
