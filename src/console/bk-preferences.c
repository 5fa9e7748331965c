/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>

#include "bk-preferences.h"

/* Order of the rows in the source combo; the nicks are those of the schema's enum. */
static const char * const source_nicks[] = { "schematic", "xyz", "mbtiles" };

struct _BkPreferences
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  GtkFileChooserNative *chooser;

  AdwComboRow *source_row;
  AdwEntryRow *xyz_row;
  AdwActionRow *mbtiles_row;
  GtkSwitch *layer_incidents_switch;
  GtkSwitch *layer_units_switch;
  GtkSwitch *layer_lines_switch;
  GtkSwitch *layer_cameras_switch;
  GtkSwitch *layer_districts_switch;
  GtkSpinButton *p1_spin;
  GtkSpinButton *p2_spin;
  GtkSpinButton *p3_spin;
  GtkSpinButton *p4_spin;
};

G_DEFINE_FINAL_TYPE (BkPreferences, bk_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
source_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (source_nicks); i++)
    if (g_str_equal (nick, source_nicks[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }

  return FALSE;
}

static GVariant *
source_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (source_nicks))
    return NULL;

  return g_variant_new_string (source_nicks[i]);
}

static void
update_source_rows (BkPreferences *self)
{
  g_autofree char *source = g_settings_get_string (self->settings, "basemap-source");
  g_autofree char *path = g_settings_get_string (self->settings, "mbtiles-path");

  /* Only the row the chosen source needs is shown; the others would only confuse. */
  gtk_widget_set_visible (GTK_WIDGET (self->xyz_row), g_str_equal (source, "xyz"));
  gtk_widget_set_visible (GTK_WIDGET (self->mbtiles_row), g_str_equal (source, "mbtiles"));

  adw_action_row_set_subtitle (self->mbtiles_row,
                               path[0] != '\0' ? path : _("No file chosen"));
}

static void
settings_changed_cb (BkPreferences *self,
                     const char    *key,
                     GSettings     *settings)
{
  if (g_str_equal (key, "basemap-source") || g_str_equal (key, "mbtiles-path"))
    update_source_rows (self);
}

/* A template must name the three places or every tile request would go to the same URL. */
static gboolean
xyz_template_is_valid (const char *text)
{
  return (g_str_has_prefix (text, "http://") || g_str_has_prefix (text, "https://"))
         && strstr (text, "{z}") != NULL
         && strstr (text, "{x}") != NULL
         && strstr (text, "{y}") != NULL;
}

static void
xyz_row_apply_cb (BkPreferences *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->xyz_row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (!xyz_template_is_valid (stripped))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->xyz_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (_("The tile URL template must start with "
                                                         "http:// or https:// and contain {z}, "
                                                         "{x} and {y}.")));
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->xyz_row), "error");
  g_settings_set_string (self->settings, "xyz-url-template", stripped);
}

static void
chooser_response_cb (BkPreferences        *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          g_settings_delay (self->settings);
          g_settings_set_string (self->settings, "mbtiles-path", path);
          g_settings_set_string (self->settings, "basemap-source", "mbtiles");
          g_settings_apply (self->settings);
        }
    }

  g_clear_object (&self->chooser);
}

static void
mbtiles_button_clicked_cb (BkPreferences *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *current = g_settings_get_string (self->settings, "mbtiles-path");

  if (self->chooser != NULL)
    return;

  /* GtkFileDialog is GTK 4.10; the native chooser also works inside a Flatpak portal. */
  self->chooser = gtk_file_chooser_native_new (_("Choose an Offline Tile Pack"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"),
                                               _("_Cancel"));
  gtk_file_filter_set_name (filter, _("MBTiles tile packs"));
  gtk_file_filter_add_pattern (filter, "*.mbtiles");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);

  if (current[0] != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_path (current);
      g_autoptr(GFile) parent = g_file_get_parent (file);

      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), parent, NULL);
    }

  g_signal_connect_object (self->chooser, "response",
                           G_CALLBACK (chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
bind_spin (BkPreferences *self,
           const char    *key,
           GtkSpinButton *spin)
{
  g_settings_bind (self->settings, key,
                   gtk_spin_button_get_adjustment (spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
bk_preferences_constructed (GObject *object)
{
  BkPreferences *self = BK_PREFERENCES (object);
  g_autofree char *xyz = NULL;

  G_OBJECT_CLASS (bk_preferences_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  g_settings_bind_with_mapping (self->settings, "basemap-source",
                                self->source_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                source_get_mapping, source_set_mapping, NULL, NULL);

  xyz = g_settings_get_string (self->settings, "xyz-url-template");
  gtk_editable_set_text (GTK_EDITABLE (self->xyz_row), xyz);

  g_settings_bind (self->settings, "layer-incidents",
                   self->layer_incidents_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "layer-units",
                   self->layer_units_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "layer-dispatch-lines",
                   self->layer_lines_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "layer-cameras",
                   self->layer_cameras_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "layer-districts",
                   self->layer_districts_switch, "active", G_SETTINGS_BIND_DEFAULT);

  bind_spin (self, "overdue-p1-seconds", self->p1_spin);
  bind_spin (self, "overdue-p2-seconds", self->p2_spin);
  bind_spin (self, "overdue-p3-seconds", self->p3_spin);
  bind_spin (self, "overdue-p4-seconds", self->p4_spin);

  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
  update_source_rows (self);
}

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
bk_preferences_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BkPreferences *self = BK_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_preferences_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BkPreferences *self = BK_PREFERENCES (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_preferences_dispose (GObject *object)
{
  BkPreferences *self = BK_PREFERENCES (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_PREFERENCES);

  G_OBJECT_CLASS (bk_preferences_parent_class)->dispose (object);
}

static void
bk_preferences_finalize (GObject *object)
{
  BkPreferences *self = BK_PREFERENCES (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bk_preferences_parent_class)->finalize (object);
}

static void
bk_preferences_class_init (BkPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bk_preferences_constructed;
  object_class->dispose = bk_preferences_dispose;
  object_class->finalize = bk_preferences_finalize;
  object_class->get_property = bk_preferences_get_property;
  object_class->set_property = bk_preferences_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, source_row);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, xyz_row);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, mbtiles_row);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, layer_incidents_switch);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, layer_units_switch);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, layer_lines_switch);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, layer_cameras_switch);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, layer_districts_switch);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, p1_spin);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, p2_spin);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, p3_spin);
  gtk_widget_class_bind_template_child (widget_class, BkPreferences, p4_spin);
  gtk_widget_class_bind_template_callback (widget_class, xyz_row_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, mbtiles_button_clicked_cb);
}

static void
bk_preferences_init (BkPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

BkPreferences *
bk_preferences_new (GtkWindow *parent,
                    GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (BK_TYPE_PREFERENCES,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}
