/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>

#include "bk-login-dialog.h"

struct _BkLoginDialog
{
  AdwWindow parent_instance;

  GSettings *settings;
  SoupSession *session;
  BcClient *client;           /* of the request under way */
  GCancellable *cancellable;
  char *error;

  AdwEntryRow *server_row;
  AdwEntryRow *username_row;
  AdwEntryRow *password_row;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkButton *sign_in_button;
  GtkSpinner *spinner;
  GtkLabel *sign_in_label;
};

G_DEFINE_FINAL_TYPE (BkLoginDialog, bk_login_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_SESSION,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNED_IN,
  QUIT_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
update_actions (BkLoginDialog *self)
{
  gboolean complete = row_text (self->server_row)[0] != '\0'
                      && row_text (self->username_row)[0] != '\0'
                      && row_text (self->password_row)[0] != '\0';

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login.sign-in",
                                 complete && self->client == NULL);
}

static void
set_error (BkLoginDialog *self,
           const char    *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
set_busy (BkLoginDialog *self,
          gboolean       busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_label_set_label (self->sign_in_label, busy ? _("Signing In…") : _("_Sign In"));
  /* Not insensitive: taking the focus away from a text field under way confuses GTK 4.8. */
  gtk_editable_set_editable (GTK_EDITABLE (self->server_row), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->username_row), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->password_row), !busy);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
entry_changed_cb (BkLoginDialog *self)
{
  update_actions (self);
}

/* The server's own messages are English API text; a dispatcher gets a sentence that says what
 * to do, in the console's language. */
static char *
describe_error (BkLoginDialog *self,
                const GError  *error)
{
  if (error->domain == BC_CLIENT_ERROR)
    {
      switch ((BcClientError) error->code)
        {
        case BC_CLIENT_ERROR_UNAUTHORIZED:
          return g_strdup (_("The user name or password is incorrect."));
        case BC_CLIENT_ERROR_TOO_MANY_ATTEMPTS:
          return g_strdup (_("Too many failed sign-in attempts. Wait a few minutes and try "
                             "again."));
        case BC_CLIENT_ERROR_FORBIDDEN:
          return g_strdup (_("This account may not use the dispatch console."));
        case BC_CLIENT_ERROR_NETWORK:
          return g_strdup_printf (_("Cannot reach the server at %s. Check the address and "
                                    "the network connection."),
                                  row_text (self->server_row));
        case BC_CLIENT_ERROR_NOT_FOUND:
        case BC_CLIENT_ERROR_CONFLICT:
        case BC_CLIENT_ERROR_INVALID:
        case BC_CLIENT_ERROR_SERVER:
        case BC_CLIENT_ERROR_QUEUED:
        default:
          break;
        }
    }

  return g_strdup_printf (_("Sign-in failed: %s"), error->message);
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BkLoginDialog) self = user_data;
  g_autoptr(BcClient) client = BC_CLIENT (g_object_ref (object));
  g_autoptr(GError) error = NULL;

  if (!bc_client_login_finish (client, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_clear_object (&self->client);
      set_busy (self, FALSE);
      {
        g_autofree char *message = describe_error (self, error);
        set_error (self, message);
      }
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  g_clear_object (&self->client);
  set_busy (self, FALSE);
  set_error (self, NULL);

  g_settings_set_string (self->settings, "server-url", bc_client_get_base_url (client));
  g_settings_set_string (self->settings, "username", row_text (self->username_row));

  g_signal_emit (self, signals[SIGNED_IN], 0, client);
}

static gboolean
url_is_valid (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL
         && (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0
             || g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
         && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (widget);
  g_autofree char *url = g_strstrip (g_strdup (row_text (self->server_row)));
  g_autofree char *username = g_strstrip (g_strdup (row_text (self->username_row)));

  if (self->client != NULL)
    return;

  /* "10.1.2.3:8080" is what people type; the API needs a scheme. */
  if (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://")
      && strstr (url, "://") == NULL)
    {
      char *with_scheme = g_strconcat ("http://", url, NULL);
      g_free (url);
      url = with_scheme;
    }
  while (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';

  if (!url_is_valid (url))
    {
      set_error (self, _("The server address must look like http://10.1.2.3:8080."));
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }

  set_error (self, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  self->client = bc_client_new (url, self->session);
  set_busy (self, TRUE);
  bc_client_login_async (self->client, username, row_text (self->password_row),
                         self->cancellable, login_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (widget);

  g_cancellable_cancel (self->cancellable);
  g_signal_emit (self, signals[QUIT_REQUESTED], 0);
}

static gboolean
bk_login_dialog_close_request (GtkWindow *window)
{
  /* Without a session there is nothing to show: closing the dialog means quitting. */
  gtk_widget_activate_action (GTK_WIDGET (window), "login.cancel", NULL);
  return TRUE;
}

void
bk_login_dialog_set_server_url (BkLoginDialog *self,
                                const char    *url)
{
  g_return_if_fail (BK_IS_LOGIN_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url != NULL ? url : "");
}

gboolean
bk_login_dialog_get_busy (BkLoginDialog *self)
{
  g_return_val_if_fail (BK_IS_LOGIN_DIALOG (self), FALSE);

  return self->client != NULL;
}

const char *
bk_login_dialog_get_error (BkLoginDialog *self)
{
  g_return_val_if_fail (BK_IS_LOGIN_DIALOG (self), NULL);

  return self->error;
}

static void
bk_login_dialog_constructed (GObject *object)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (object);
  g_autofree char *url = NULL;
  g_autofree char *username = NULL;

  G_OBJECT_CLASS (bk_login_dialog_parent_class)->constructed (object);

  url = g_settings_get_string (self->settings, "server-url");
  username = g_settings_get_string (self->settings, "username");
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);

  gtk_window_set_focus (GTK_WINDOW (self),
                        username[0] != '\0' ? GTK_WIDGET (self->password_row)
                                            : GTK_WIDGET (self->username_row));
  update_actions (self);
}

static void
bk_login_dialog_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, self->client != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_login_dialog_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_login_dialog_dispose (GObject *object)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_LOGIN_DIALOG);

  G_OBJECT_CLASS (bk_login_dialog_parent_class)->dispose (object);
}

static void
bk_login_dialog_finalize (GObject *object)
{
  BkLoginDialog *self = BK_LOGIN_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  g_free (self->error);

  G_OBJECT_CLASS (bk_login_dialog_parent_class)->finalize (object);
}

static void
bk_login_dialog_class_init (BkLoginDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = bk_login_dialog_constructed;
  object_class->dispose = bk_login_dialog_dispose;
  object_class->finalize = bk_login_dialog_finalize;
  object_class->get_property = bk_login_dialog_get_property;
  object_class->set_property = bk_login_dialog_set_property;
  window_class->close_request = bk_login_dialog_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SOUP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNED_IN] =
    g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_CLIENT);
  signals[QUIT_REQUESTED] =
    g_signal_new ("quit-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-login-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, server_row);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, password_row);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, BkLoginDialog, sign_in_label);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);

  gtk_widget_class_install_action (widget_class, "login.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "login.cancel", NULL, cancel_action);
}

static void
bk_login_dialog_init (BkLoginDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BkLoginDialog *
bk_login_dialog_new (GtkWindow   *parent,
                     GSettings   *settings,
                     SoupSession *session)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);

  return g_object_new (BK_TYPE_LOGIN_DIALOG,
                       "transient-for", parent,
                       "settings", settings,
                       "session", session,
                       NULL);
}
