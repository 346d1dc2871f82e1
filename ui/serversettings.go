package ui

import (
	"errors"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/broker"
)

// ServerSettings say where "Run on server" sends a case: the RabbitMQ
// broker of the scale-out workers, the shared folder their --root names
// (the case must lie under it), and the files of the broker's
// credentials (USER:PASSWORD, never typed here nor shown) and of the
// certificate authorities for amqps. They are kept in the app's
// preferences.
type ServerSettings struct {
	Broker      string
	Root        string
	Credentials string
	CA          string
}

// The preference keys of the settings.
const (
	prefBroker      = "server.broker"
	prefRoot        = "server.root"
	prefCredentials = "server.credentials"
	prefCA          = "server.ca"
)

// loadServerSettings reads the settings from the preferences.
func loadServerSettings(p fyne.Preferences) ServerSettings {
	return ServerSettings{Broker: p.String(prefBroker), Root: p.String(prefRoot),
		Credentials: p.String(prefCredentials), CA: p.String(prefCA)}
}

// check says what is wrong with the settings, without connecting.
func (s ServerSettings) check() error {
	if s.Broker == "" || s.Root == "" {
		return errors.New("Run on server: set the broker and the shared root in File ▸ Server settings…")
	}
	if err := s.config().Check(); err != nil {
		return err
	}
	if st, err := os.Stat(s.Root); err != nil || !st.IsDir() {
		return errors.New("shared root " + s.Root + ": not a folder")
	}
	return nil
}

// save writes the settings to the preferences, once check passes.
func (s ServerSettings) save(p fyne.Preferences) error {
	if err := s.check(); err != nil {
		return err
	}
	p.SetString(prefBroker, s.Broker)
	p.SetString(prefRoot, s.Root)
	p.SetString(prefCredentials, s.Credentials)
	p.SetString(prefCA, s.CA)
	return nil
}

// config is how package broker reaches the broker.
func (s ServerSettings) config() broker.Config {
	return broker.Config{URL: s.Broker, Credentials: s.Credentials, CA: s.CA}
}

// serverSettingsForm is the settings' form: the entries, filled from the
// preferences, and Save.
type serverSettingsForm struct {
	broker, root, credentials, ca *widget.Entry
	form                          *widget.Form
	message                       *widget.Label
}

func newServerSettingsForm(p fyne.Preferences, saved func()) *serverSettingsForm {
	s := loadServerSettings(p)
	f := &serverSettingsForm{broker: widget.NewEntry(), root: widget.NewEntry(), credentials: widget.NewEntry(),
		ca: widget.NewEntry(), message: widget.NewLabel("")}
	f.message.Wrapping = fyne.TextWrapWord
	f.broker.SetPlaceHolder("amqps://server.lab:5671/")
	f.root.SetPlaceHolder("/shared/cases")
	f.credentials.SetPlaceHolder("file whose first line is USER:PASSWORD (default $" + broker.EnvUser + ")")
	f.ca.SetPlaceHolder("PEM file of the authorities for amqps (default the system's)")
	f.broker.SetText(s.Broker)
	f.root.SetText(s.Root)
	f.credentials.SetText(s.Credentials)
	f.ca.SetText(s.CA)
	creds := widget.NewFormItem("Credentials file", f.credentials)
	creds.HintText = "its first line is USER:PASSWORD; the password is never typed or shown here"
	f.form = widget.NewForm(
		widget.NewFormItem("Broker", f.broker),
		widget.NewFormItem("Shared root", f.root),
		creds,
		widget.NewFormItem("CA file", f.ca))
	f.form.SubmitText = "Save"
	f.form.OnSubmit = func() {
		s := ServerSettings{Broker: f.broker.Text, Root: f.root.Text, Credentials: f.credentials.Text, CA: f.ca.Text}
		if err := s.save(p); err != nil {
			f.message.SetText(err.Error())
			return
		}
		f.message.SetText("saved")
		if saved != nil {
			saved()
		}
	}
	return f
}

// showServerSettings shows the settings' form in a dialog over w.
func showServerSettings(a fyne.App, w fyne.Window) {
	var d dialog.Dialog
	f := newServerSettingsForm(a.Preferences(), func() { d.Hide() })
	d = dialog.NewCustom("Server settings", "Close", container.NewVBox(f.form, f.message), w)
	d.Resize(fyne.NewSize(640, 300))
	d.Show()
}
