/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

#define BC_USER_USERNAME_MAX     32
#define BC_USER_DISPLAY_NAME_MAX 64

#define BC_TYPE_USER (bc_user_get_type ())

/* A console user as the API shows it (no password hash, no tokens: those stay in the server). */
typedef struct _BcUser BcUser;

struct _BcUser
{
  char   *username;     /* [a-z0-9_.-]{1,32} */
  BcRole  role;
  char   *display_name;
};

GType     bc_user_get_type          (void) G_GNUC_CONST;
BcUser   *bc_user_new               (void);
BcUser   *bc_user_ref               (BcUser      *self);
void      bc_user_unref             (BcUser      *self);

gboolean  bc_username_is_valid      (const char  *username,
                                     GError     **error);

BcUser   *bc_user_from_json         (JsonNode    *node,
                                     GError     **error);
BcUser   *bc_user_from_json_string  (const char  *data,
                                     gssize       length,
                                     GError     **error);
JsonNode *bc_user_to_json           (BcUser      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcUser, bc_user_unref)

G_END_DECLS
