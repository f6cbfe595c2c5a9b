package handlers

// Sentences shared by several features. Feature-specific text stays in the feature's file.
const (
	msgGroupsUnsupported = "敢为助手只在私聊中使用，请直接私信我。"
	msgOnlyText          = "我目前只能看懂文字消息。请直接用文字提问，或发送 /help 查看我能做什么。"
	msgTooLong           = "这条消息太长了，请精简到一两句话再发给我。"
	msgUnknownCommand    = "没有 %s 这个命令。发送 /help 查看可用的功能。"
	msgNoFreeText        = "请发送 /help 查看我能做什么。"
	msgTryLater          = "抱歉，刚才出了点问题，请稍后再试。"
	msgUnavailable       = "抱歉，数据服务暂时连不上，这一步没有保存，请稍后再试。"
	msgStaleButton       = "这个按钮已失效，请重新发起操作。"
	msgNeedBinding       = "这个功能需要先绑定身份。请向组织部索取邀请码，然后发送「/start 邀请码」。"
	msgStaffOnly         = "抱歉，这个功能仅对组织部工作人员开放。"
	msgAdminOnly         = "抱歉，这个功能仅对管理员开放。"
	msgDialogRevoked     = "您的权限已变更，之前进行中的操作已取消，刚才的消息没有保存。"
)
