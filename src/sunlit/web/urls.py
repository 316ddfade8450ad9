from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from sunlit.web.views import account, auth, home, site

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("manifest.webmanifest", site.manifest, name="manifest"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("console/", home.console, name="console"),
    path("me/", home.owner_home, name="owner_home"),
    path("switch/", home.switch, name="switch_community"),
    path("audit/", home.audit_list, name="audit_list"),
    path("login/", auth.SunlitLoginView.as_view(), name="login"),
    path("logout/", auth.SunlitLogoutView.as_view(), name="logout"),
    path("activate/", auth.activate, name="activate"),
    path("me/bind/", account.bind_home, name="bind_home"),
    path("account/tokens/", account.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", account.api_token_revoke, name="api_token_revoke"),
    path("password/change/", auth_views.PasswordChangeView.as_view(
        template_name="web/form_page.html",
        success_url=reverse_lazy("web:home"),
        extra_context={"title": _("修改密码")}), name="password_change"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        template_name="web/form_page.html",
        email_template_name="web/password_reset_email.txt",
        subject_template_name="web/password_reset_subject.txt",
        success_url=reverse_lazy("web:password_reset_done"),
        extra_context={"title": _("找回密码")}), name="password_reset"),
    path("password/reset/mobile/", auth.password_reset_mobile, name="password_reset_mobile"),
    path("password/reset/mobile/confirm/", auth.password_reset_mobile_confirm,
         name="password_reset_mobile_confirm"),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(
        template_name="web/message_page.html",
        extra_context={"title": _("邮件已发送"),
                       "message": _("如果该邮箱已绑定账号，重置密码的链接已发送，请查收。")}),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="web/form_page.html",
        success_url=reverse_lazy("web:password_reset_complete"),
        extra_context={"title": _("设置新密码")}), name="password_reset_confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="web/message_page.html",
        extra_context={"title": _("密码已重置"), "message": _("请用新密码登录。")}),
         name="password_reset_complete"),
]
