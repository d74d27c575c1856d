package bot

// Certificate files: a seller attaches a file (a certificate PDF, a photo
// of a label) to a checklist item, and gets them back with /files.

import (
	"fmt"
	"path"
	"strings"

	"github.com/onboardbot/onboardbot/flows"
)

// MaxAttachment is the largest file a seller may attach: 20 MB, what a
// Telegram bot can fetch again (getFile), so that every file kept can be
// downloaded for a report; Slack's own limit is higher.
const MaxAttachment = 20 << 20

// MaxFilesSent is how many files /files sends back at once, the latest.
const MaxFilesSent = 10

// attachable reports whether a file is one the bot keeps as evidence: a
// PDF or an image (not SVG, which is a program as much as a picture).
func attachable(a Attachment) bool {
	if a.Photo {
		return true
	}
	mt := strings.ToLower(strings.TrimSpace(a.MIME))
	switch {
	case mt == "application/pdf":
		return true
	case strings.HasPrefix(mt, "image/"):
		return mt != "image/svg+xml"
	case mt == "" || mt == "application/octet-stream": // the platform did not say: the name does
		switch strings.ToLower(path.Ext(a.Name)) {
		case ".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff":
			return true
		}
	}
	return false
}

// attach takes a file a seller sent: with the caption "done <item>
// [number] [expiry]", or as a reply to an item's message, it marks the
// item done with the file as its evidence. A file of another type or over
// the limit, or one that names no item, is answered and not kept.
func (cv *Conversation) attach(in Inbound) error {
	files := append([]Attachment{*in.Attachment}, in.More...)
	// One file that cannot be kept sends the message back whole, so that
	// the seller sends again what belongs together.
	for _, a := range files {
		switch {
		case !attachable(a):
			cv.sayf("📎 只能保存 PDF 文件和图片（JPG、PNG 等）作为证明，这个文件（%s）不行。请把证书导出为 PDF，或拍照发送。",
				"📎 I keep PDF files and images (JPG, PNG...) as evidence; this file (%s) is neither. Please send the certificate as a PDF or a photo.", fileKind(a))
			return cv.noneKept(len(files))
		case a.Size > MaxAttachment:
			cv.sayf("📎 文件太大（%.1f MB），最多 %d MB。请发送压缩过的 PDF 或照片。",
				"📎 That file is too large (%.1f MB); the most I keep is %d MB. Please send a smaller PDF or a photo.", float64(a.Size)/(1<<20), MaxAttachment>>20)
			return cv.noneKept(len(files))
		}
	}
	if text := strings.TrimSpace(in.Text); text != "" {
		if cmd, args, ok := cv.core.parseCommand(text); ok && cmd.Name == "done" {
			return cv.mark(flows.ItemDone, args, files)
		}
	} else if ref, err := cv.repliedItem(files[0].ReplyTo); err != nil || ref != "" {
		if err != nil {
			return err
		}
		return cv.mark(flows.ItemDone, []string{ref}, files)
	}
	cv.sayf("📎 收到文件，但还不知道它属于哪一项，所以没有保存。请重新发送，并在说明里写上 done 清单项 [编号] [有效期]，例如 done scpn REF123 2027-06-30；也可以直接回复那一项的消息发送。",
		"📎 I got the file, but not which item it is for, so it is not kept. Send it again with the caption done <item> [number] [expiry], for example done scpn REF123 2027-06-30, or as a reply to the item's message.")
	return nil
}

// noneKept says, when a message brought several files, that none of them
// was kept.
func (cv *Conversation) noneKept(files int) error {
	if files > 1 {
		cv.sayf("📎 这条消息的 %d 个文件都没有保存：请去掉这个文件后重新发送。", "📎 None of this message's %d files is kept: send them again without that one.", files)
	}
	return nil
}

// fileKind names a file for a seller: its type, or its name.
func fileKind(a Attachment) string {
	if a.MIME != "" {
		return a.MIME
	}
	return a.Name
}

// repliedItem finds the item whose message (the one /why shows, with its
// Done button) the seller replied to; "" if it is no such message of
// theirs.
func (cv *Conversation) repliedItem(button string) (string, error) {
	if button == "" {
		return "", nil
	}
	r, _, err := ResolveButton(cv.ctx, cv.tx, button, cv.seller.Platform, func(chat string) bool { return chat == cv.seller.ChatID })
	if err != nil || r == nil {
		return "", err
	}
	for _, c := range r.Choices {
		verb, ref, _ := strings.Cut(c.Ref.Choice, " ")
		if c.Ref.Kind == RefCommand && (verb == "done" || verb == "todo" || verb == "na") && strings.Contains(ref, ":") {
			return ref, nil
		}
	}
	return "", nil
}

// attachTo records a file with an item just marked, and says so.
func (cv *Conversation) attachTo(m *flows.Market, item string, a Attachment) error {
	added, err := cv.tx.AddItemFile(cv.ctx, ItemFile{SellerID: cv.seller.ID, Market: m.ID, Item: item, File: a, At: cv.now})
	if err != nil {
		return err
	}
	files, err := cv.tx.ItemFiles(cv.ctx, cv.seller.ID, m.ID, item)
	if err != nil {
		return err
	}
	if added {
		cv.sayf("📎 已保存文件 %s（这一项共 %d 个文件，/files %s 可以取回）。", "📎 File kept with the item: %s (%d for this item; /files %s sends them back).", a.Name, len(files), item)
	} else {
		cv.sayf("📎 这个文件之前已经保存过了（这一项共 %d 个文件）。", "📎 That file was already kept with this item (%d for this item).", len(files))
	}
	return nil
}

// fileCounts counts the files a seller attached to each item of a market.
func (cv *Conversation) fileCounts(market string) (map[string]int, error) {
	files, err := cv.tx.ItemFiles(cv.ctx, cv.seller.ID, market, "")
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, f := range files {
		n[f.Item]++
	}
	return n, nil
}

// paperclip is the 📎 an item with files shows in a checklist.
func paperclip(n int) string {
	switch {
	case n == 1:
		return " 📎"
	case n > 1:
		return fmt.Sprintf(" 📎%d", n)
	}
	return ""
}

// filesCmd sends back the files attached to an item, one message each,
// the latest MaxFilesSent.
func (cv *Conversation) filesCmd(args []string) error {
	if len(args) == 0 {
		cv.sayf("请写上清单项编号，例如 /files scpn。", "Please name a checklist item, for example /files scpn.")
		return nil
	}
	m, _, id, err := cv.findItem(args[0])
	if err != nil || m == nil {
		return err
	}
	it, _ := m.Item(id)
	files, err := cv.tx.ItemFiles(cv.ctx, cv.seller.ID, m.ID, id)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		cv.sayf("「%s」还没有文件。要保存证书文件，发送 PDF 或照片，并在说明里写 done %s。", "No files for %s yet. To keep a certificate with it, send a PDF or a photo with the caption done %s.", it.Title, id)
		return nil
	}
	if len(files) > MaxFilesSent {
		cv.sayf("📎 %s：共 %d 个文件，这里是最新的 %d 个。", "📎 %s: %d files; here are the latest %d.", it.Title, len(files), MaxFilesSent)
		files = files[len(files)-MaxFilesSent:]
	} else {
		cv.sayf("📎 %s：%d 个文件。", "📎 %s: %d files.", it.Title, len(files))
	}
	for _, f := range files {
		cv.newMessage()
		cv.sayf("📎 %s（%s 保存）", "📎 %s (kept %s)", f.File.Name, f.At.Format("2006-01-02"))
		cv.file = &File{Name: f.File.Name, MIME: f.File.MIME, Size: f.File.Size, Ref: f.File.Ref, Photo: f.File.Photo, Link: f.File.Link}
	}
	return nil
}
