/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <libsoup/soup.h>

#include "bc-client.h"

G_BEGIN_DECLS

#define BK_TYPE_LOGIN_DIALOG (bk_login_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BkLoginDialog, bk_login_dialog, BK, LOGIN_DIALOG, AdwWindow)

/* The sign-in dialog: server address (remembered in the settings key server-url), user name
 * (key username) and password. Signing in makes a BcClient for the address on @session and
 * logs in asynchronously; errors are shown inline. On success ::signed-in (BcClient *) is
 * emitted and the caller closes the dialog; ::quit-requested when the user gives up. */

BkLoginDialog *bk_login_dialog_new            (GtkWindow     *parent,
                                               GSettings     *settings,
                                               SoupSession   *session);
/* Overrides the remembered server address (the --server option). */
void           bk_login_dialog_set_server_url (BkLoginDialog *self,
                                               const char    *url);
/* Whether a sign-in request is under way. */
gboolean       bk_login_dialog_get_busy       (BkLoginDialog *self);
/* The inline error, or NULL. */
const char    *bk_login_dialog_get_error      (BkLoginDialog *self);

G_END_DECLS
